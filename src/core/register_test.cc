#include "core/register.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite/sqlite_store.h"

namespace cityid::core {
namespace {

std::string SourceDir() {
  const char* s = std::getenv("CITYID_SOURCE_DIR");
  return s ? s : CITYID_TEST_SOURCE_DIR;
}

// 2026-11-25 12:00 UTC
constexpr UnixSeconds kNow = 1795608000;
constexpr int64_t kDay = 86400;

class RegisterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-reg-" + std::to_string(::getpid()) + "-" +
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
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  ApplicantInput Applicant(std::string given, std::string family, std::string passport) {
    ApplicantInput in;
    in.legal_name = {std::move(given), std::move(family)};
    in.date_of_birth = {1990, 4, 12};
    in.address = Address{"1 Main St", "", "New York", "NY", "10001"};
    in.language = "es";
    in.documents.push_back({"foreign_passport", std::move(passport), std::nullopt, Date{2030, 1, 1}});
    in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
    return in;
  }
  EnrollResult EnrollOne(const std::string& given, const std::string& passport) {
    auto e = Enroll(*ctx_, Applicant(given, "Lopez", passport), clerk_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return *e;
  }
  std::vector<store::AuditRow> Log() {
    std::vector<store::AuditRow> rows;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(rows, tx.ReadAudit(0, 100000));
      return Status::Ok();
    }).ok());
    return rows;
  }
  bool PersonExists(const std::string& id) {
    bool exists = false;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(auto p, tx.GetPerson(id));
      exists = p.has_value();
      return Status::Ok();
    }).ok());
    return exists;
  }
  DataRequestInput Subpoena() {
    return {"subpoena", "2026-11-20", "Federal agency", "administrative subpoena",
            "all applicant records from 2023 to 2025"};
  }

  std::filesystem::path dir_;
  SeededRng rng_{7};
  FixedClock clock_{kNow};
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<policy::Policy> policy_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::unique_ptr<Context> ctx_;
  Actor clerk_{"clerk-1", Role::kClerk, "city-hall"};
  Actor admin_{"admin-1", Role::kAdmin, ""};
  Actor auditor_{"aud-1", Role::kAuditor, ""};
  Actor system_{"system:retention", Role::kSystem, ""};
};

// ---- legal holds ----

TEST_F(RegisterTest, HoldIsLoggedWithCategoryOnly) {
  auto e = EnrollOne("Ana", "P1000001");
  ASSERT_TRUE(PlaceHold(*ctx_, e.person_id, "litigation", "Lopez v. City, keep all", admin_).ok());
  auto log = Log();
  ASSERT_FALSE(log.empty());
  EXPECT_EQ(log.back().entry.action, "hold.place");
  EXPECT_EQ(log.back().entry.subject, e.person_id);
  EXPECT_EQ(log.back().entry.reason, "litigation");
  // The note never appears in clear in the application row either.
  EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto app, tx.GetApplication(e.application_id));
    EXPECT_TRUE(app.has_value());
    if (!app) return Status::Ok();
    EXPECT_EQ(app->hold_reason.find("Lopez"), std::string::npos);
    EXPECT_NE(app->hold_reason.find("litigation"), std::string::npos);
    return Status::Ok();
  }).ok());
}

TEST_F(RegisterTest, HeldPersonSurvivesRetentionAndPurgeOnRequest) {
  auto held = EnrollOne("Ana", "P1000001");
  auto free = EnrollOne("Bea", "P1000002");
  ASSERT_TRUE(PlaceHold(*ctx_, held.person_id, "court_order", "", admin_).ok());
  Status s = PurgePerson(*ctx_, held.person_id, admin_, "applicant request");
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  clock_.Advance(400 * kDay);  // far past the 30-day abandoned-application rule
  auto sum = PurgeExpired(*ctx_, system_);
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->held, 1);
  EXPECT_EQ(sum->persons_purged, 1);
  EXPECT_TRUE(PersonExists(held.person_id));
  EXPECT_FALSE(PersonExists(free.person_id));
}

TEST_F(RegisterTest, ReleasedHoldLetsRetentionPurge) {
  auto e = EnrollOne("Ana", "P1000001");
  ASSERT_TRUE(PlaceHold(*ctx_, e.person_id, "records_request", "", admin_).ok());
  ASSERT_TRUE(ReleaseHold(*ctx_, e.person_id, admin_).ok());
  EXPECT_EQ(Log().back().entry.action, "hold.release");
  EXPECT_EQ(Log().back().entry.reason, "records_request");
  clock_.Advance(400 * kDay);
  auto sum = PurgeExpired(*ctx_, system_);
  ASSERT_TRUE(sum.ok());
  EXPECT_EQ(sum->held, 0);
  EXPECT_FALSE(PersonExists(e.person_id));
}

TEST_F(RegisterTest, HoldNeedsAdmin) {
  auto e = EnrollOne("Ana", "P1000001");
  EXPECT_EQ(PlaceHold(*ctx_, e.person_id, "litigation", "", clerk_).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(PlaceHold(*ctx_, e.person_id, "litigation", "", auditor_).code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(ReleaseHold(*ctx_, e.person_id, clerk_).code(), StatusCode::kPermissionDenied);
}

TEST_F(RegisterTest, HoldRefusesUnknownCategoryControlCharsAndMissingPerson) {
  auto e = EnrollOne("Ana", "P1000001");
  EXPECT_EQ(PlaceHold(*ctx_, e.person_id, "because", "", admin_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PlaceHold(*ctx_, e.person_id, "", "", admin_).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PlaceHold(*ctx_, e.person_id, "other", "a\nb", admin_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PlaceHold(*ctx_, "per_nosuchperson0000", "other", "", admin_).id(),
            ErrorId::kPersonNotFound);
}

TEST_F(RegisterTest, DoubleHoldIsAlreadyExistsAndReleaseWithoutHoldIsNotFound) {
  auto e = EnrollOne("Ana", "P1000001");
  EXPECT_EQ(ReleaseHold(*ctx_, e.person_id, admin_).code(), StatusCode::kNotFound);
  ASSERT_TRUE(PlaceHold(*ctx_, e.person_id, "litigation", "", admin_).ok());
  EXPECT_EQ(PlaceHold(*ctx_, e.person_id, "other", "", admin_).code(), StatusCode::kAlreadyExists);
}

TEST_F(RegisterTest, PurgedPersonCannotBeHeld) {
  auto e = EnrollOne("Ana", "P1000001");
  ASSERT_TRUE(PurgePerson(*ctx_, e.person_id, admin_, "applicant request").ok());
  EXPECT_EQ(PlaceHold(*ctx_, e.person_id, "litigation", "", admin_).id(), ErrorId::kPersonNotFound);
}

TEST_F(RegisterTest, ListHoldsShowsNotesOnlyWhenAskedAndLogsTheRead) {
  auto a = EnrollOne("Ana", "P1000001");
  auto b = EnrollOne("Bea", "P1000002");
  ASSERT_TRUE(PlaceHold(*ctx_, a.person_id, "litigation", "case 25-cv-17, counsel asked", admin_).ok());
  ASSERT_TRUE(PlaceHold(*ctx_, b.person_id, "other", "", admin_).ok());
  const size_t before = Log().size();
  auto plain = ListHolds(*ctx_, auditor_, std::nullopt);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  ASSERT_EQ(plain->size(), 2u);
  for (const auto& h : *plain) EXPECT_FALSE(h.note.has_value());
  EXPECT_EQ(Log().size(), before);  // a plain listing reads nothing personal

  EXPECT_EQ(ListHolds(*ctx_, auditor_, "review").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ListHolds(*ctx_, admin_, "").status().id(), ErrorId::kMissingField);
  auto with_notes = ListHolds(*ctx_, admin_, "quarterly review");
  ASSERT_TRUE(with_notes.ok()) << with_notes.status().ToString();
  int notes = 0;
  for (const auto& h : *with_notes) {
    EXPECT_EQ(h.placed_by, "admin-1");
    EXPECT_EQ(h.placed_at, kNow);
    if (h.person_id == a.person_id) {
      EXPECT_EQ(h.category, "litigation");
      ASSERT_TRUE(h.note.has_value());
      EXPECT_EQ(*h.note, "case 25-cv-17, counsel asked");
      ++notes;
    } else {
      EXPECT_FALSE(h.has_note);
    }
  }
  EXPECT_EQ(notes, 1);
  auto log = Log();
  ASSERT_EQ(log.size(), before + 1);
  EXPECT_EQ(log.back().entry.action, "hold.note_read");
  EXPECT_EQ(log.back().entry.reason, "quarterly review");
}

// ---- data-request register ----

TEST_F(RegisterTest, RecordedRequestIsPendingAndLogged) {
  auto id = RecordDataRequest(*ctx_, Subpoena(), admin_);
  ASSERT_TRUE(id.ok()) << id.status().ToString();
  EXPECT_EQ(id->rfind("req_", 0), 0u);
  auto row = GetDataRequest(*ctx_, *id, auditor_);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->response, "pending");
  EXPECT_EQ(row->kind, "subpoena");
  EXPECT_EQ(row->recorded_by, "admin-1");
  EXPECT_EQ(row->persons_covered, 0);
  auto log = Log();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].entry.action, "data_request.recorded");
  EXPECT_EQ(log[0].entry.subject, *id);
  EXPECT_EQ(log[0].entry.reason, "subpoena");
}

TEST_F(RegisterTest, AnswerUpdatesTheEntryAndIsLogged) {
  auto id = RecordDataRequest(*ctx_, Subpoena(), admin_);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(AnswerDataRequest(*ctx_, *id, {"narrowed", "2026-11-24", {"aggregate_counts"}, 0},
                                admin_).ok());
  auto row = GetDataRequest(*ctx_, *id, admin_);
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->response, "narrowed");
  EXPECT_EQ(row->responded_on, "2026-11-24");
  EXPECT_EQ(row->disclosed, "aggregate_counts");
  EXPECT_EQ(Log().back().entry.action, "data_request.answered");
  EXPECT_EQ(Log().back().entry.reason, "narrowed");
}

TEST_F(RegisterTest, RefusedRequestDisclosesNothing) {
  auto id = RecordDataRequest(*ctx_, Subpoena(), admin_);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(AnswerDataRequest(*ctx_, *id, {"refused", "2026-11-24", {"card_status"}, 0}, admin_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AnswerDataRequest(*ctx_, *id, {"refused", "2026-11-24", {}, 4}, admin_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_TRUE(AnswerDataRequest(*ctx_, *id, {"refused", "2026-11-24", {}, 0}, admin_).ok());
}

TEST_F(RegisterTest, AnswerRefusesBadInput) {
  auto id = RecordDataRequest(*ctx_, Subpoena(), admin_);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(AnswerDataRequest(*ctx_, *id, {"pending", "2026-11-24", {}, 0}, admin_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AnswerDataRequest(*ctx_, *id, {"complied", "2026-11-24", {"ssn"}, 1}, admin_).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(AnswerDataRequest(*ctx_, *id, {"complied", "2026-11-24", {}, 1}, admin_).id(),
            ErrorId::kMissingField);
  EXPECT_EQ(AnswerDataRequest(*ctx_, *id, {"complied", "2026-11-19", {"card_status"}, 1}, admin_).id(),
            ErrorId::kInvalidDate);  // before it was received
  EXPECT_EQ(AnswerDataRequest(*ctx_, *id, {"complied", "2027-01-01", {"card_status"}, 1}, admin_).id(),
            ErrorId::kInvalidDate);  // in the future
  EXPECT_EQ(AnswerDataRequest(*ctx_, "req_absent", {"refused", "2026-11-24", {}, 0}, admin_).code(),
            StatusCode::kNotFound);
  EXPECT_EQ(AnswerDataRequest(*ctx_, *id, {"refused", "2026-11-24", {}, 0}, auditor_).code(),
            StatusCode::kPermissionDenied);
}

TEST_F(RegisterTest, RecordRefusesBadInputAndWritesNothing) {
  DataRequestInput in = Subpoena();
  in.kind = "letter";
  EXPECT_EQ(RecordDataRequest(*ctx_, in, admin_).status().code(), StatusCode::kInvalidArgument);
  in = Subpoena();
  in.received_on = "2026-13-01";
  EXPECT_EQ(RecordDataRequest(*ctx_, in, admin_).status().id(), ErrorId::kInvalidDate);
  in = Subpoena();
  in.received_on = "2026-12-31";  // after today
  EXPECT_EQ(RecordDataRequest(*ctx_, in, admin_).status().id(), ErrorId::kInvalidDate);
  in = Subpoena();
  in.scope = " ";
  EXPECT_EQ(RecordDataRequest(*ctx_, in, admin_).status().id(), ErrorId::kMissingField);
  in = Subpoena();
  in.scope = std::string(1001, 'x');
  EXPECT_EQ(RecordDataRequest(*ctx_, in, admin_).status().id(), ErrorId::kFieldTooLong);
  EXPECT_EQ(RecordDataRequest(*ctx_, Subpoena(), clerk_).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_TRUE(Log().empty());
  auto list = ListDataRequests(*ctx_, admin_);
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->empty());
}

TEST_F(RegisterTest, ScopeWithApplicantIdentifiersIsRefused) {
  for (const char* scope : {"record of per_abcdefgh12345678", "application app_k3j9x",
                            "card 4821 7730 5512", "card 482177305512", "passport G12345678",
                            "SSN 123-45-6789", "phone 312.555.0100", "mail ana@example.org"}) {
    DataRequestInput in = Subpoena();
    in.scope = scope;
    auto r = RecordDataRequest(*ctx_, in, admin_);
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << scope;
    if (!r.ok()) {
      EXPECT_EQ(r.status().message().find(scope), std::string::npos);
    }
  }
  for (const char* scope : {"all records 2022-2025", "records from 2023-01-01 to 2025-12-31",
                            "applicants at 3 sites in zip codes 10002, 10009",
                            "8 U.S.C. 1357 list of applicants born abroad"}) {
    EXPECT_TRUE(CheckNoApplicantIdentifiers("scope", scope).ok()) << scope;
  }
}

// The register describes requests, never applicants: a scope naming a person by date of birth,
// phone or document number is refused with a message that says to describe it by category.
TEST_F(RegisterTest, ScopeNamingAPersonAndDateOfBirthIsRefused) {
  for (const char* scope :
       {"all records of Ana Lopez, born 1990-04-12", "Ana Lopez DOB 04/12/1990",
        "records of J. Smith (12.04.1990)", "person born 12 April 1990",
        "person born April 12, 1990", "person born 3rd of May 1985", "J. Smith 4/12/90",
        "call back on (212) 555-0187", "applicant reachable at 555-0187", "passport AB12345",
        "licence D98765X", "Ana Lopez 1990 04 12", "Ana Lopez 12-Apr-1990",
        "Ana Lopez \xEF\xBC\x91\xEF\xBC\x99\xEF\xBC\x99\xEF\xBC\x90-04-12" /* full-width */,
        "Ana Lopez 1990\xE2\x80\x90" "04\xE2\x80\x90" "12" /* U+2010 hyphens */,
        "Ana Lopez born 1990-04-12 to 1990-04-12"}) {
    DataRequestInput in = Subpoena();
    in.scope = scope;
    auto r = RecordDataRequest(*ctx_, in, admin_);
    ASSERT_FALSE(r.ok()) << scope;
    EXPECT_EQ(r.status().id(), ErrorId::kInvalidArgument) << scope;
    EXPECT_NE(r.status().message().find("by category"), std::string::npos) << scope;
    EXPECT_EQ(r.status().message().find(scope), std::string::npos);
  }
  EXPECT_TRUE(Log().empty());
  // Periods and categories are what a scope is for.
  for (const char* scope :
       {"all records 2022-2025", "records from 2023-01-01 to 2025-12-31",
        "enrollments between 2026-01-01 and 2026-03-31", "cards issued 2026-01-01 - 2026-02-28",
        "cards issued 01/01/2026 through 03/31/2026", "applications 2026-01-01/2026-06-30",
        "access log entries since 2026-06-01", "enrollment records at East Library, March 2026",
        "applications received 2026-03", "number of cards issued per site, Q1 2026",
        "8 U.S.C. 1357 list of applicants born abroad"}) {
    DataRequestInput in = Subpoena();
    in.scope = scope;
    auto r = RecordDataRequest(*ctx_, in, admin_);
    EXPECT_TRUE(r.ok()) << scope << ": " << r.status().ToString();
  }
  // The legal basis may cite the day of an order; only the scope is checked for days.
  DataRequestInput in = Subpoena();
  in.legal_basis = "court order of 2026-11-02";
  EXPECT_TRUE(RecordDataRequest(*ctx_, in, admin_).ok());
}

TEST_F(RegisterTest, RegisterReadsNeedAdminOrAuditor) {
  EXPECT_EQ(ListDataRequests(*ctx_, clerk_).status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(ListDataRequests(*ctx_, auditor_).ok());
  EXPECT_EQ(GetDataRequest(*ctx_, "req_absent", auditor_).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace cityid::core
