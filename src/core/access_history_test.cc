#include "core/access_history.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/access_code.h"
#include "core/ids.h"
#include "core/workflow.h"
#include "credential/presentation.h"
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

  // The card issued and the access code given at enrollment.
  struct Holder {
    IssuedCard card;
    std::string code;
  };
  Holder Enrolled(std::string given, std::string family, Date dob, std::string passport) {
    std::string code;
    IssuedCard card =
        EnrollApproveIssue(std::move(given), std::move(family), dob, std::move(passport), &code);
    return Holder{std::move(card), std::move(code)};
  }

  IssuedCard EnrollApproveIssue(std::string given, std::string family, Date dob,
                                std::string passport, std::string* code = nullptr) {
    ApplicantInput in;
    in.legal_name = {std::move(given), std::move(family)};
    in.date_of_birth = dob;
    in.site = "city-hall";
    in.documents.push_back(
        {"foreign_passport", std::move(passport), std::nullopt, Date{2030, 1, 1}});
    in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
    auto e = Enroll(*ctx_, in, clerk_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (code != nullptr) *code = e->access_code;
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
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const Holder bo = Enrolled("Bo", "Chen", {1985, 1, 2}, "P7654321");
  clock_.Advance(3600);
  ASSERT_TRUE(ReadPerson(*ctx_, ana.card.person_id, reader_, "benefits office inquiry").ok());
  ASSERT_TRUE(ReadPerson(*ctx_, bo.card.person_id, reader_, "about someone else").ok());

  auto h = AccessHistoryByCode(*bctx_, ana.code);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_FALSE(h->truncated);

  // Exactly the log entries about Ana's ids, in log order.
  const std::set<std::string> mine = {ana.card.person_id, ana.card.application_id,
                                      ana.card.card_subject};
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
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const size_t before = Log().size();
  auto first = AccessHistoryByCode(*bctx_, ana.code);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const auto log = Log();
  ASSERT_EQ(log.size(), before + 1);
  const audit::Entry& view = log.back().entry;
  EXPECT_EQ(view.action, "history.view");
  EXPECT_EQ(view.subject, ana.card.person_id);
  EXPECT_EQ(view.actor, "public");
  EXPECT_EQ(view.role, "applicant");
  // This view is the last entry shown.
  ASSERT_FALSE(first->entries.empty());
  EXPECT_EQ(first->entries.back().action, "history.view");
  EXPECT_EQ(first->entries.back().action_en, "access history viewed");
  EXPECT_EQ(first->entries.back().role, "applicant");

  clock_.Advance(60);
  auto second = AccessHistoryByCode(*bctx_, ana.code);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->entries.size(), first->entries.size() + 1);
}

TEST_F(AccessHistoryTest, TheAccessCodeIsRandomTypeableAndStoredOnlyAsAKeyedHash) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  // XXXX-XXXX-XXXX-XXXX of Crockford base32: 80 bits.
  ASSERT_EQ(ana.code.size(), 19u) << ana.code;
  for (size_t i = 0; i < ana.code.size(); ++i) {
    const char c = ana.code[i];
    if (i % 5 == 4) {
      EXPECT_EQ(c, '-') << ana.code;
    } else {
      EXPECT_NE(std::string("0123456789ABCDEFGHJKMNPQRSTVWXYZ").find(c), std::string::npos)
          << ana.code;
    }
  }
  // Typed loosely: lower case, no dashes, spaces.
  std::string typed;
  for (char c : ana.code) {
    if (c != '-') typed += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  typed.insert(8, " ");
  EXPECT_TRUE(AccessHistoryByCode(*bctx_, typed).ok());
  auto loose = NormalizeAccessCode("OIL0-0000-0000-0000");
  ASSERT_TRUE(loose.ok());
  EXPECT_EQ(*loose, "0110000000000000");

  // The store finds the person by the keyed hash; the code itself is in no log entry.
  const std::string canonical = NormalizeAccessCode(ana.code).value();
  ASSERT_TRUE(store_
                  ->Read([&](store::Tx& tx) -> Status {
                    CITYID_ASSIGN_OR_RETURN(auto owner, tx.FindAccessCode(AccessCodeHash(
                                                            keys_->blind_indexer(), canonical)));
                    EXPECT_EQ(owner.value_or(""), ana.card.person_id);
                    CITYID_ASSIGN_OR_RETURN(auto plain, tx.FindAccessCode(AsBytes(canonical)));
                    EXPECT_FALSE(plain.has_value());
                    return Status::Ok();
                  })
                  .ok());
  for (const auto& r : Log()) {
    EXPECT_EQ(r.entry.reason.find(canonical), std::string::npos);
    EXPECT_EQ(r.entry.reason.find(ana.code), std::string::npos);
  }
  const Holder bo = Enrolled("Bo", "Chen", {1985, 1, 2}, "P7654321");
  EXPECT_NE(bo.code, ana.code);
}

// The attack of issue 14 §1: whoever scans or photographs a card knows its number and the
// holder's date of birth. Neither, alone or together, in any spelling, opens the history.
TEST_F(AccessHistoryTest, WhatTheCardCarriesDoesNotOpenTheHistory) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const size_t before = Log().size();
  for (const std::string& guess :
       {ana.card.card_number, FormatCardNumber(ana.card.card_number), std::string("1990-04-12"),
        ana.card.card_number + "1990-04-12", ana.card.card_number + "19900412",
        std::string("1990041212345678"), ana.card.card_number.substr(0, 12) + "1990",
        ana.card.person_id, ana.card.application_id}) {
    auto h = AccessHistoryByCode(*bctx_, guess);
    ASSERT_FALSE(h.ok()) << guess;
    EXPECT_TRUE(h.status().id() == ErrorId::kInvalidCredentials ||
                h.status().id() == ErrorId::kInvalidArgument)
        << guess << ": " << h.status().ToString();
  }
  EXPECT_EQ(Log().size(), before);  // nothing viewed
}

TEST_F(AccessHistoryTest, AWrongOrMalformedCodeGetsOneGenericErrorAndNoLog) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const size_t before = Log().size();
  std::string wrong = ana.code;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  auto bad = AccessHistoryByCode(*bctx_, wrong);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().id(), ErrorId::kInvalidCredentials);
  EXPECT_EQ(AccessHistoryByCode(*bctx_, "AAAA-AAAA-AAAA-AAAA").status().message(),
            bad.status().message());
  // Malformed input is refused before any look-up.
  EXPECT_EQ(AccessHistoryByCode(*bctx_, "ABCD").status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(AccessHistoryByCode(*bctx_, "UUUU-UUUU-UUUU-UUUU").status().id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(AccessHistoryByCode(*bctx_, ana.code + "0").status().id(), ErrorId::kInvalidArgument);
  EXPECT_EQ(Log().size(), before);
}

TEST_F(AccessHistoryTest, AReissuedCodeReplacesTheOldOneAndIsLogged) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  clock_.Advance(86400);
  auto fresh = ReissueAccessCode(*ctx_, ana.card.application_id, reader_);
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_NE(*fresh, ana.code);
  const audit::Entry logged = Log().back().entry;
  EXPECT_EQ(logged.action, "history.code_issue");
  EXPECT_EQ(logged.subject, ana.card.person_id);
  EXPECT_EQ(logged.actor, reader_.id);
  EXPECT_EQ(logged.site, "library-east");
  EXPECT_EQ(logged.reason.find(*fresh), std::string::npos);

  EXPECT_EQ(AccessHistoryByCode(*bctx_, ana.code).status().id(), ErrorId::kInvalidCredentials);
  auto h = AccessHistoryByCode(*bctx_, *fresh);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_NE(Everything(*h).find("access code re-issued"), std::string::npos) << Everything(*h);

  const Actor partner{"stf_partner", Role::kPartner, "city-hall"};
  const Actor auditor{"stf_aud", Role::kAuditor, ""};
  EXPECT_EQ(ReissueAccessCode(*ctx_, ana.card.application_id, partner).status().id(),
            ErrorId::kPermissionDenied);
  EXPECT_EQ(ReissueAccessCode(*ctx_, ana.card.application_id, auditor).status().id(),
            ErrorId::kPermissionDenied);
  EXPECT_EQ(ReissueAccessCode(*ctx_, "app_nosuchapplication", clerk_).status().id(),
            ErrorId::kApplicationNotFound);
  EXPECT_TRUE(AccessHistoryByCode(*bctx_, *fresh).ok());  // refused attempts changed nothing
}

TEST_F(AccessHistoryTest, APurgedRecordCannotBeViewed) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const Actor admin{"stf_admin", Role::kAdmin, ""};
  ASSERT_TRUE(PurgePerson(*ctx_, ana.card.person_id, admin, "applicant request").ok());
  EXPECT_EQ(AccessHistoryByCode(*bctx_, ana.code).status().id(), ErrorId::kInvalidCredentials);
}

TEST_F(AccessHistoryTest, EveryCardOfThePersonCountsAsTheirs) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  auto before = AccessHistoryByCode(*bctx_, ana.code);
  ASSERT_TRUE(before.ok());
  auto renewed = Renew(*ctx_, ana.card.card_number, clerk_);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  auto after = AccessHistoryByCode(*bctx_, ana.code);
  ASSERT_TRUE(after.ok());
  bool renewal = false;
  bool new_card_issued = false;
  for (const auto& e : after->entries) {
    renewal = renewal || e.action_en == "card renewed";
    new_card_issued =
        new_card_issued || (e.action == "card.issue" && e.seq > before->entries.back().seq);
  }
  EXPECT_TRUE(renewal) << Everything(*after);
  EXPECT_TRUE(new_card_issued) << Everything(*after);
}

// Auditors read every subject and reason: none may be a card number, or the log would list
// every card (and, before issue 14, open its holder's history with a date of birth).
TEST_F(AccessHistoryTest, TheLogNeverNamesACardNumber) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  const Holder bo = Enrolled("Bo", "Chen", {1985, 1, 2}, "P7654321");
  const Holder cy = Enrolled("Cy", "Diaz", {1970, 3, 3}, "P5550001");
  std::vector<std::string> numbers = {ana.card.card_number, bo.card.card_number,
                                      cy.card.card_number};
  auto renewed = Renew(*ctx_, ana.card.card_number, clerk_);
  ASSERT_TRUE(renewed.ok());
  numbers.push_back(renewed->card_number);
  auto replaced = Replace(*ctx_, bo.card.card_number, clerk_, "lost");
  ASSERT_TRUE(replaced.ok());
  numbers.push_back(replaced->card_number);
  ASSERT_TRUE(Revoke(*ctx_, cy.card.card_number, supervisor_, "fraud").ok());
  auto disclose = credential::ParseDisclosureNames("age_over_21");
  ASSERT_TRUE(disclose.ok());
  auto shown = Present(*ctx_, renewed->card_number, *disclose, clerk_);
  ASSERT_TRUE(shown.ok()) << shown.status().ToString();
  ASSERT_TRUE(CardPayload(*ctx_, replaced->card_number, clerk_, "reprint").ok());
  const Actor admin{"stf_admin", Role::kAdmin, ""};
  clock_.Advance(int64_t{20} * 365 * 86400);
  ASSERT_TRUE(PurgeExpired(*ctx_, admin).ok());

  int card_entries = 0;
  for (const auto& r : Log()) {
    const audit::Entry& e = r.entry;
    for (const auto& n : numbers) {
      for (const std::string& field : {e.subject, e.reason, e.actor, e.site, e.action}) {
        EXPECT_EQ(field.find(n), std::string::npos) << e.action << ": " << field;
        EXPECT_EQ(field.find(FormatCardNumber(n)), std::string::npos) << e.action << ": " << field;
      }
    }
    if (e.action.starts_with("card.")) {
      ++card_entries;
      EXPECT_TRUE(e.subject.starts_with("crd_")) << e.action << " " << e.subject;
    }
  }
  EXPECT_GE(card_entries, 9);  // 5 issued, renew, replace, revoke, present, expiries
}

// A log written before schema v13 named cards by number; those entries cannot be rewritten (the
// Merkle log), and the holder still sees them.
TEST_F(AccessHistoryTest, EntriesWrittenBeforeV13UnderACardNumberStillShow) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  int64_t old_seq = -1;
  ASSERT_TRUE(store_
                  ->Write([&](store::Tx& tx) -> Status {
                    CITYID_ASSIGN_OR_RETURN(
                        old_seq, tx.AppendAudit(audit::Entry{kNow, "stf_old", "supervisor",
                                                             "city-hall", "card.suspend",
                                                             ana.card.card_number, "legacy"}));
                    return Status::Ok();
                  })
                  .ok());
  auto h = AccessHistoryByCode(*bctx_, ana.code);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  bool legacy = false;
  for (const auto& e : h->entries) {
    if (e.seq == old_seq) {
      legacy = true;
      EXPECT_EQ(e.action_en, "card suspended");
      EXPECT_EQ(e.about, "card");
    }
  }
  EXPECT_TRUE(legacy) << Everything(*h);
}

TEST_F(AccessHistoryTest, AClerkAtTheCounterIsLoggedAsThemselvesAndAuditorsMayNot) {
  const Holder ana = Enrolled("Ana", "Lopez", {1990, 4, 12}, "P1234567");
  HistoryViewer counter{&reader_};
  auto h = AccessHistoryByCode(*bctx_, ana.code, counter);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  const audit::Entry view = Log().back().entry;
  EXPECT_EQ(view.action, "history.view");
  EXPECT_EQ(view.actor, reader_.id);
  EXPECT_EQ(view.role, "clerk");
  EXPECT_EQ(view.site, "library-east");
  EXPECT_EQ(h->entries.back().role, "clerk");
  EXPECT_EQ(Everything(*h).find(reader_.id), std::string::npos);

  const Actor auditor{"stf_aud", Role::kAuditor, ""};
  EXPECT_EQ(AccessHistoryByCode(*bctx_, ana.code, HistoryViewer{&auditor}).status().id(),
            ErrorId::kPermissionDenied);
}

class BookingHistoryTest : public AccessHistoryTest {
 protected:
  BookingReceipt BookOne() {
    const Actor admin{"stf_admin", Role::kAdmin, ""};
    SiteInput site;
    site.id = "main-library";
    site.name = "Main Library";
    site.kind = "library";
    site.address = "1 Library Plaza";
    site.timezone = "-05:00";
    site.hours = "mon-fri 09:00-12:00";
    EXPECT_TRUE(AddSite(*bctx_, site, admin).ok());
    auto receipt = Book(*bctx_, BookingInput{"main-library", kWed0900, "Rosa M.", "", "es"});
    EXPECT_TRUE(receipt.ok()) << receipt.status().ToString();
    return *receipt;
  }
  static std::string WrongPin(std::string pin) {
    pin[0] = pin[0] == 'A' ? 'B' : 'A';
    return pin;
  }
};

TEST_F(BookingHistoryTest, ABookingsReferenceAndPinShowItsOwnEntries) {
  const BookingReceipt receipt = BookOne();
  auto other = Book(*bctx_, BookingInput{"main-library", kWed0900 + 1800, "Sam", "", "en"});
  ASSERT_TRUE(other.ok());

  auto h = AccessHistoryByBooking(*bctx_, receipt.reference, receipt.pin);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  ASSERT_EQ(h->entries.size(), 2u) << Everything(*h);
  EXPECT_EQ(h->entries[0].action_en, "appointment booked");
  EXPECT_EQ(h->entries[0].action_es, "cita reservada");
  EXPECT_EQ(h->entries[0].site, "main-library");
  EXPECT_EQ(h->entries[0].about, "appointment");
  EXPECT_EQ(h->entries[1].action, "history.view");

  auto bad = AccessHistoryByBooking(*bctx_, receipt.reference, WrongPin(receipt.pin));
  EXPECT_EQ(bad.status().id(), ErrorId::kInvalidCredentials);
  EXPECT_EQ(AccessHistoryByBooking(*bctx_, "ZZZZ-ZZZZ", receipt.pin).status().id(),
            ErrorId::kInvalidCredentials);
  EXPECT_EQ(bad.status().message(),
            AccessHistoryByCode(*bctx_, "AAAA-AAAA-AAAA-AAAA").status().message());
}

// Guessing one booking's PIN from many addresses: each wrong PIN is logged under the booking's
// pseudonymous id, and after kMaxDeniedPerTarget of them the booking's history is refused, even
// with the right PIN, until the window has passed (the fake clock, no sleeps).
TEST_F(BookingHistoryTest, WrongPinsForOneBookingLockItsHistoryAndAreLogged) {
  const BookingReceipt receipt = BookOne();
  std::string booking_id;
  for (int i = 0; i < kMaxDeniedPerTarget; ++i) {
    clock_.Advance(10);
    auto bad = AccessHistoryByBooking(*bctx_, receipt.reference, WrongPin(receipt.pin));
    ASSERT_EQ(bad.status().id(), ErrorId::kInvalidCredentials) << i;
    const audit::Entry e = Log().back().entry;
    EXPECT_EQ(e.action, "history.denied");
    EXPECT_EQ(e.actor, "public");
    EXPECT_TRUE(e.subject.starts_with("apt_")) << e.subject;
    EXPECT_EQ(e.subject.find(receipt.reference), std::string::npos);
    if (booking_id.empty()) booking_id = e.subject;
    EXPECT_EQ(e.subject, booking_id);
  }
  const size_t logged = Log().size();
  auto locked = AccessHistoryByBooking(*bctx_, receipt.reference, receipt.pin);
  EXPECT_EQ(locked.status().id(), ErrorId::kBookingRateLimited);
  EXPECT_EQ(Log().size(), logged);  // a refused attempt checks and logs nothing
  // An unknown reference has no target: the plain generic answer, nothing logged.
  EXPECT_EQ(AccessHistoryByBooking(*bctx_, "ZZZZ-ZZZZ", receipt.pin).status().id(),
            ErrorId::kInvalidCredentials);
  EXPECT_EQ(Log().size(), logged);

  clock_.Advance(kDeniedWindowSeconds);
  auto h = AccessHistoryByBooking(*bctx_, receipt.reference, receipt.pin);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  int denials = 0;
  for (const auto& e : h->entries) denials += e.action == "history.denied" ? 1 : 0;
  EXPECT_EQ(denials, kMaxDeniedPerTarget);  // the holder sees the attempts
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
