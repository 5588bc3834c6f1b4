#include "core/access_history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/ids.h"
#include "core/workflow.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::core {
namespace {

std::string SourceDir() {
  const char* s = std::getenv("CITYID_SOURCE_DIR");
  return s ? s : CITYID_TEST_SOURCE_DIR;
}

// 2026-11-25 12:00 UTC, a Wednesday; 09:00 at a site on -05:00 is two hours later.
constexpr UnixSeconds kNow = 1795608000;
constexpr UnixSeconds kWed0900 = 1795615200;

class AccessHistoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-hist-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto keys = crypto::Keyring::Create((dir_ / "keys").string(), rng_);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    keys_ = std::move(keys).value();
    auto store = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto policy = policy::Policy::Load(SourceDir() + "/policies/new-york-points.toml");
    ASSERT_TRUE(policy.ok()) << policy.status().ToString();
    policy_ = std::make_unique<policy::Policy>(std::move(policy).value());
    names_ = std::move(dedup::NameNormalizer::Create()).value();
    ctx_ = std::make_unique<Context>(Context{*store_, *keys_, *policy_, *names_, clock_, rng_});
    bctx_ = std::make_unique<BookingContext>(BookingContextOf(*ctx_));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  IssuedCard EnrollApproveIssue(std::string given, std::string family, Date dob,
                                std::string passport) {
    ApplicantInput in;
    in.legal_name = {std::move(given), std::move(family)};
    in.date_of_birth = dob;
    in.site = "city-hall";
    in.documents.push_back(
        {"foreign_passport", std::move(passport), std::nullopt, Date{2030, 1, 1}});
    in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
    auto e = Enroll(*ctx_, in, clerk_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_TRUE(Approve(*ctx_, e->application_id, supervisor_, "documents in order").ok());
    auto c = Issue(*ctx_, e->application_id, clerk_);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return *c;
  }

  std::vector<store::AuditRow> Log() {
    std::vector<store::AuditRow> rows;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      CITYID_ASSIGN_OR_RETURN(rows, tx.ReadAudit(0, 100000));
                      return Status::Ok();
                    })
                    .ok());
    return rows;
  }

  // A well-formed card number (valid check digit) that no test issues.
  static std::string UnknownCard() {
    std::string n = "10000000000";
    return n + static_cast<char>('0' + DammCheckDigit(n));
  }

  // Every field of every returned entry, concatenated: what the applicant gets to see.
  static std::string Everything(const AccessHistory& h) {
    std::string s;
    for (const auto& e : h.entries) {
      s += std::to_string(e.seq) + "|" + std::to_string(e.at) + "|" + e.action + "|" + e.action_en +
           "|" + e.action_es + "|" + e.role + "|" + e.site + "|" + e.reason + "|" + e.about + "\n";
    }
    return s;
  }

  std::filesystem::path dir_;
  SeededRng rng_{11};
  FixedClock clock_{kNow};
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<policy::Policy> policy_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::unique_ptr<Context> ctx_;
  std::unique_ptr<BookingContext> bctx_;
  const Actor clerk_{"stf_clerkmaria", Role::kClerk, "city-hall"};
  const Actor supervisor_{"stf_supjohn", Role::kSupervisor, "city-hall"};
  const Actor reader_{"stf_nosyreader", Role::kClerk, "library-east"};
};

TEST_F(AccessHistoryTest, ReturnsOnlyThisPersonsEntriesAndNoActor) {
  const IssuedCard ana = EnrollApproveIssue("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const IssuedCard bo = EnrollApproveIssue("Bo", "Chen", {1985, 1, 2}, "P7654321");
  clock_.Advance(3600);
  ASSERT_TRUE(ReadPerson(*ctx_, ana.person_id, reader_, "benefits office inquiry").ok());
  ASSERT_TRUE(ReadPerson(*ctx_, bo.person_id, reader_, "about someone else").ok());

  auto h = AccessHistoryByCard(*bctx_, ana.card_number, "1990-04-12");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_FALSE(h->truncated);

  // Exactly the log entries about Ana's ids, in log order.
  const std::set<std::string> mine = {ana.person_id, ana.application_id, ana.card_number};
  std::vector<int64_t> expected;
  for (const auto& r : Log()) {
    if (mine.count(r.entry.subject)) expected.push_back(r.seq);
  }
  std::vector<int64_t> got;
  for (const auto& e : h->entries) got.push_back(e.seq);
  EXPECT_EQ(got, expected);

  // The staff read shows with role, site and reason, in plain words.
  bool saw_read = false;
  for (const auto& e : h->entries) {
    if (e.action == "person.read" && e.reason == "benefits office inquiry") {
      saw_read = true;
      EXPECT_EQ(e.action_en, "record read");
      EXPECT_EQ(e.action_es, "expediente consultado");
      EXPECT_EQ(e.role, "clerk");
      EXPECT_EQ(e.site, "library-east");
      EXPECT_EQ(e.about, "record");
      EXPECT_EQ(e.at, kNow + 3600);
    }
  }
  EXPECT_TRUE(saw_read) << Everything(*h);
  const std::string all = Everything(*h);
  for (const char* who : {"stf_clerkmaria", "stf_supjohn", "stf_nosyreader", "stf_"}) {
    EXPECT_EQ(all.find(who), std::string::npos) << who << "\n" << all;
  }
  EXPECT_EQ(all.find("about someone else"), std::string::npos);
  EXPECT_NE(all.find("card issued"), std::string::npos) << all;
  EXPECT_NE(all.find("application approved"), std::string::npos) << all;
}

TEST_F(AccessHistoryTest, TheViewIsLoggedAndShownNextTime) {
  const IssuedCard ana = EnrollApproveIssue("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const size_t before = Log().size();
  auto first = AccessHistoryByCard(*bctx_, ana.card_number, "1990-04-12");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const auto log = Log();
  ASSERT_EQ(log.size(), before + 1);
  const audit::Entry& view = log.back().entry;
  EXPECT_EQ(view.action, "history.view");
  EXPECT_EQ(view.subject, ana.person_id);
  EXPECT_EQ(view.actor, "public");
  EXPECT_EQ(view.role, "applicant");
  // This view is the last entry shown.
  ASSERT_FALSE(first->entries.empty());
  EXPECT_EQ(first->entries.back().action, "history.view");
  EXPECT_EQ(first->entries.back().action_en, "access history viewed");
  EXPECT_EQ(first->entries.back().role, "applicant");

  clock_.Advance(60);
  auto second = AccessHistoryByCard(*bctx_, ana.card_number, "1990-04-12");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->entries.size(), first->entries.size() + 1);
}

TEST_F(AccessHistoryTest, WrongDateOfBirthOrUnknownCardGetOneGenericErrorAndNoLog) {
  const IssuedCard ana = EnrollApproveIssue("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const size_t before = Log().size();
  auto wrong_dob = AccessHistoryByCard(*bctx_, ana.card_number, "1990-04-13");
  ASSERT_FALSE(wrong_dob.ok());
  EXPECT_EQ(wrong_dob.status().id(), ErrorId::kInvalidCredentials);

  const std::string other = UnknownCard();
  ASSERT_NE(other, ana.card_number);
  auto unknown = AccessHistoryByCard(*bctx_, other, "1990-04-12");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().id(), ErrorId::kInvalidCredentials);
  EXPECT_EQ(unknown.status().message(), wrong_dob.status().message());

  // Malformed input is refused before any look-up.
  EXPECT_EQ(AccessHistoryByCard(*bctx_, "12345", "1990-04-12").status().id(),
            ErrorId::kInvalidCardNumber);
  EXPECT_EQ(AccessHistoryByCard(*bctx_, ana.card_number, "12/04/1990").status().id(),
            ErrorId::kInvalidDate);
  // Spaces in the card number are fine, as printed.
  EXPECT_TRUE(AccessHistoryByCard(*bctx_, FormatCardNumber(ana.card_number), "1990-04-12").ok());
  EXPECT_EQ(Log().size(), before + 1);  // only the successful view
}

TEST_F(AccessHistoryTest, APurgedRecordCannotBeViewed) {
  const IssuedCard ana = EnrollApproveIssue("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const Actor admin{"stf_admin", Role::kAdmin, ""};
  ASSERT_TRUE(PurgePerson(*ctx_, ana.person_id, admin, "applicant request").ok());
  EXPECT_EQ(AccessHistoryByCard(*bctx_, ana.card_number, "1990-04-12").status().id(),
            ErrorId::kInvalidCredentials);
}

TEST_F(AccessHistoryTest, EveryCardOfThePersonWorksAndCountsAsTheirs) {
  const IssuedCard ana = EnrollApproveIssue("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  auto renewed = Renew(*ctx_, ana.card_number, clerk_);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  auto by_old = AccessHistoryByCard(*bctx_, ana.card_number, "1990-04-12");
  ASSERT_TRUE(by_old.ok()) << by_old.status().ToString();
  auto by_new = AccessHistoryByCard(*bctx_, renewed->card_number, "1990-04-12");
  ASSERT_TRUE(by_new.ok());
  EXPECT_EQ(by_new->entries.size(), by_old->entries.size() + 1);
  bool renewal = false;
  for (const auto& e : by_new->entries) renewal = renewal || e.action_en == "card renewed";
  EXPECT_TRUE(renewal) << Everything(*by_new);
}

TEST_F(AccessHistoryTest, AClerkAtTheCounterIsLoggedAsThemselvesAndAuditorsMayNot) {
  const IssuedCard ana = EnrollApproveIssue("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  HistoryViewer counter{&reader_};
  auto h = AccessHistoryByCard(*bctx_, ana.card_number, "1990-04-12", counter);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  const audit::Entry view = Log().back().entry;
  EXPECT_EQ(view.action, "history.view");
  EXPECT_EQ(view.actor, reader_.id);
  EXPECT_EQ(view.role, "clerk");
  EXPECT_EQ(view.site, "library-east");
  EXPECT_EQ(h->entries.back().role, "clerk");
  EXPECT_EQ(Everything(*h).find(reader_.id), std::string::npos);

  const Actor auditor{"stf_aud", Role::kAuditor, ""};
  EXPECT_EQ(AccessHistoryByCard(*bctx_, ana.card_number, "1990-04-12", HistoryViewer{&auditor})
                .status()
                .id(),
            ErrorId::kPermissionDenied);
}

TEST_F(AccessHistoryTest, ABookingsReferenceAndPinShowItsOwnEntries) {
  const Actor admin{"stf_admin", Role::kAdmin, ""};
  SiteInput site;
  site.id = "main-library";
  site.name = "Main Library";
  site.kind = "library";
  site.address = "1 Library Plaza";
  site.timezone = "-05:00";
  site.hours = "mon-fri 09:00-12:00";
  ASSERT_TRUE(AddSite(*bctx_, site, admin).ok());
  auto receipt = Book(*bctx_, BookingInput{"main-library", kWed0900, "Rosa M.", "", "es"});
  ASSERT_TRUE(receipt.ok()) << receipt.status().ToString();
  auto other = Book(*bctx_, BookingInput{"main-library", kWed0900 + 1800, "Sam", "", "en"});
  ASSERT_TRUE(other.ok());

  auto h = AccessHistoryByBooking(*bctx_, receipt->reference, receipt->pin);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->entries.size(), 2u) << Everything(*h);
  EXPECT_EQ(h->entries[0].action_en, "appointment booked");
  EXPECT_EQ(h->entries[0].action_es, "cita reservada");
  EXPECT_EQ(h->entries[0].site, "main-library");
  EXPECT_EQ(h->entries[0].about, "appointment");
  EXPECT_EQ(h->entries[1].action, "history.view");

  std::string wrong_pin = receipt->pin;
  wrong_pin[0] = wrong_pin[0] == 'A' ? 'B' : 'A';
  auto bad = AccessHistoryByBooking(*bctx_, receipt->reference, wrong_pin);
  EXPECT_EQ(bad.status().id(), ErrorId::kInvalidCredentials);
  EXPECT_EQ(AccessHistoryByBooking(*bctx_, "ZZZZ-ZZZZ", receipt->pin).status().id(),
            ErrorId::kInvalidCredentials);
  EXPECT_EQ(bad.status().message(),
            AccessHistoryByCard(*bctx_, UnknownCard(), "1990-01-01").status().message());
}

TEST(DescribeActionTest, KnownActionsInPlainWordsOthersNamed) {
  EXPECT_EQ(DescribeAction("card.issue").en, "card issued");
  EXPECT_EQ(DescribeAction("card.issue").es, "tarjeta emitida");
  EXPECT_EQ(DescribeAction("person.read").en, "record read");
  EXPECT_EQ(DescribeAction("x.y").en, "other access (x.y)");
  EXPECT_EQ(DescribeAction("x.y").es, "otro acceso (x.y)");
}

}  // namespace
}  // namespace cityid::core
