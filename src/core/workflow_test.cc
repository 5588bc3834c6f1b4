#include "core/workflow.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "credential/card.h"
#include "credential/status_list.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::core {
namespace {

std::string SourceDir() {
  const char* s = std::getenv("CITYID_SOURCE_DIR");
  return s ? s : CITYID_TEST_SOURCE_DIR;
}

// 2026-11-25 12:00 UTC
constexpr UnixSeconds kNow = 1795608000;

class WorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-wf-" + std::to_string(::getpid()) + "-" +
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

  ApplicantInput Applicant(std::string given, std::string family, std::string passport = "P1234567") {
    ApplicantInput in;
    in.legal_name = {std::move(given), std::move(family)};
    in.date_of_birth = {1990, 4, 12};
    in.address = Address{"1 Main St", "", "New York", "NY", "10001"};
    in.gender = "X";
    in.language = "es";
    in.documents.push_back({"foreign_passport", std::move(passport), std::nullopt, Date{2030, 1, 1}});
    in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
    return in;
  }

  int64_t AuditSize() {
    int64_t n = -1;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(n, tx.AuditSize());
      return Status::Ok();
    }).ok());
    return n;
  }
  int64_t Persons() {
    int64_t n = -1;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(n, tx.CountPersons());
      return Status::Ok();
    }).ok());
    return n;
  }

  IssuedCard EnrollApproveIssue(ApplicantInput in) {
    auto e = Enroll(*ctx_, in, clerk_);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    EXPECT_TRUE(Approve(*ctx_, e->application_id, supervisor_, "ok").ok());
    auto c = Issue(*ctx_, e->application_id, clerk_);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return *c;
  }

  credential::VerifyOutcome VerifyWithStatus(const std::string& qr) {
    auto keys = keys_->PublicKeys(policy_->issuer());
    auto json = ExportStatusList(*ctx_, "1", 3600);
    EXPECT_TRUE(json.ok()) << json.status().ToString();
    auto list = credential::StatusList::FromSignedJson(*json, keys, clock_.Now());
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    return credential::VerifyCard(qr, keys, clock_.Now(), &*list);
  }

  std::filesystem::path dir_;
  SeededRng rng_{99};
  FixedClock clock_{kNow};
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<policy::Policy> policy_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::unique_ptr<Context> ctx_;
  Actor clerk_{"clerk-1", Role::kClerk, "city-hall"};
  Actor supervisor_{"sup-1", Role::kSupervisor, "city-hall"};
  Actor admin_{"admin-1", Role::kAdmin, ""};
};

TEST_F(WorkflowTest, CleanApplicantIsDocumentsCheckedWithAuditEntries) {
  auto r = Enroll(*ctx_, Applicant("Ana", "Lopez"), clerk_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->state, ApplicationState::kDocumentsChecked);
  EXPECT_TRUE(r->duplicates.empty());
  EXPECT_EQ(Persons(), 1);
  EXPECT_EQ(AuditSize(), 1);  // one entry per enrollment: application.enroll
}

TEST_F(WorkflowTest, EnrollManyCommitsEachInOrderAndReportsFailuresWithoutStopping) {
  std::vector<Result<ApplicantInput>> inputs;
  inputs.emplace_back(Applicant("Ana", "Lopez", "A1"));
  ApplicantInput thin = Applicant("Juan", "Perez", "A2");
  thin.documents.pop_back();  // no residency proof: refused, nothing written
  inputs.emplace_back(std::move(thin));
  inputs.emplace_back(Error(ErrorId::kMalformedJson, "line 3: not JSON"));  // a bad input line
  inputs.emplace_back(Applicant("ANA", "LOPEZ", "A3"));  // the first applicant again
  inputs.emplace_back(Applicant("Mei", "Chen", "A4"));
  size_t next = 0;
  std::vector<std::pair<size_t, Result<EnrollResult>>> results;
  EnrollMany(
      *ctx_,
      [&]() -> std::optional<Result<ApplicantInput>> {
        if (next == inputs.size()) return std::nullopt;
        return inputs[next++];
      },
      clerk_, [&](size_t i, Result<EnrollResult> r) { results.emplace_back(i, std::move(r)); });
  ASSERT_EQ(results.size(), 5u);
  for (size_t i = 0; i < results.size(); ++i) EXPECT_EQ(results[i].first, i);
  ASSERT_TRUE(results[0].second.ok()) << results[0].second.status().ToString();
  EXPECT_EQ(results[1].second.status().id(), ErrorId::kDocumentsInsufficient);
  EXPECT_EQ(results[2].second.status().id(), ErrorId::kMalformedJson);
  // Prepared while the first one committed, yet its duplicate search saw the committed keys.
  ASSERT_TRUE(results[3].second.ok());
  EXPECT_EQ(results[3].second->state, ApplicationState::kFlagged);
  ASSERT_TRUE(results[4].second.ok());
  EXPECT_EQ(results[4].second->state, ApplicationState::kDocumentsChecked);
  EXPECT_EQ(Persons(), 3);
  EXPECT_EQ(AuditSize(), 3 + 1);  // one enroll entry for each of the three, plus the flag
}

TEST_F(WorkflowTest, EnrollManyWithNoInputDoesNothing) {
  size_t calls = 0;
  EnrollMany(
      *ctx_, []() -> std::optional<Result<ApplicantInput>> { return std::nullopt; }, clerk_,
      [&](size_t, Result<EnrollResult>) { ++calls; });
  EXPECT_EQ(calls, 0u);
  EXPECT_EQ(Persons(), 0);
}

TEST_F(WorkflowTest, InsufficientDocumentsWriteNothingAndExplain) {
  ApplicantInput in = Applicant("Ana", "Lopez");
  in.documents.pop_back();  // no residency proof
  auto r = Enroll(*ctx_, in, clerk_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kDocumentsInsufficient);
  EXPECT_NE(r.status().message().find("residency"), std::string::npos) << r.status().message();
  EXPECT_EQ(Persons(), 0);
  EXPECT_EQ(AuditSize(), 0);
}

TEST_F(WorkflowTest, UnknownDocumentTypeWritesNothing) {
  ApplicantInput in = Applicant("Ana", "Lopez");
  in.documents.push_back({"library_card_from_mars", "", std::nullopt, std::nullopt});
  auto r = Enroll(*ctx_, in, clerk_);
  EXPECT_EQ(r.status().id(), ErrorId::kUnknownDocumentType);
  EXPECT_EQ(Persons(), 0);
}

TEST_F(WorkflowTest, UnderMinimumAgeIsRefused) {
  ApplicantInput in = Applicant("Ana", "Lopez");
  in.date_of_birth = {2024, 1, 1};
  EXPECT_EQ(Enroll(*ctx_, in, clerk_).status().id(), ErrorId::kUnderMinimumAge);
}

TEST_F(WorkflowTest, SamePersonInFourSpellingsIsFlagged) {
  ASSERT_TRUE(Enroll(*ctx_, Applicant("José", "García", "A1"), clerk_).ok());
  const std::vector<std::pair<std::string, std::string>> variants = {
      {"JOSE", "GARCIA"}, {"García", "José"}, {"Хосе", "Гарсия"}};
  int n = 2;
  for (const auto& [given, family] : variants) {
    // A supervisor enrolls, so the answer names the pair (clerks see only the state).
    auto r = Enroll(*ctx_, Applicant(given, family, "B" + std::to_string(n++)), supervisor_);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->state, ApplicationState::kFlagged) << given << " " << family;
    EXPECT_FALSE(r->duplicates.empty());
  }
}

TEST_F(WorkflowTest, SamePassportPresentedByTwoPeopleIsFlagged) {
  ASSERT_TRUE(Enroll(*ctx_, Applicant("Ana", "Lopez", "X9999"), clerk_).ok());
  ApplicantInput other = Applicant("Juan", "Perez", "X9999");
  other.date_of_birth = {1985, 1, 1};
  auto r = Enroll(*ctx_, other, supervisor_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, ApplicationState::kFlagged);
  ASSERT_EQ(r->duplicates.size(), 1u);
  EXPECT_EQ(r->duplicates[0].kind, "document");
}

// A partner enrolling made-up documents must not learn whether (and where) a person applied:
// the answer says "flagged", never the other application, its site or the kind of match.
TEST_F(WorkflowTest, PartnerEnrollmentAnswerHidesOtherApplications) {
  auto first = Enroll(*ctx_, Applicant("Ana", "Lopez", "X9999"), clerk_);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const Actor partner{"partner-1", Role::kPartner, "east-library"};
  for (const Actor* who : std::vector<const Actor*>{&partner, &clerk_}) {
    ApplicantInput probe = Applicant("Ana", "Lopez", "X9999");  // name+dob and passport match
    probe.site = who->site;
    auto r = Enroll(*ctx_, probe, *who);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->state, ApplicationState::kFlagged);
    EXPECT_TRUE(r->duplicates.empty()) << Name(who->role);
    // Reading the flagged application back says only that it was flagged.
    auto seen = ViewApplication(*ctx_, r->application_id, *who);
    ASSERT_TRUE(seen.ok()) << seen.status().ToString();
    EXPECT_EQ(seen->flags_json, R"({"flagged_for_review":true})");
    EXPECT_EQ(seen->flags_json.find(first->application_id), std::string::npos);
  }
  EXPECT_FALSE(MaySeeDuplicatePairs(Role::kClerk));
  EXPECT_FALSE(MaySeeDuplicatePairs(Role::kPartner));
  EXPECT_FALSE(MaySeeDuplicatePairs(Role::kAuditor));
}

TEST_F(WorkflowTest, SupervisorStillSeesDuplicatePair) {
  auto first = Enroll(*ctx_, Applicant("Ana", "Lopez", "X9999"), clerk_);
  ASSERT_TRUE(first.ok());
  auto by_clerk = Enroll(*ctx_, Applicant("Ana", "Lopez", "Y1"), clerk_);
  ASSERT_TRUE(by_clerk.ok());
  ASSERT_EQ(by_clerk->state, ApplicationState::kFlagged);
  // The supervisor who decides sees the pair of the clerk's flagged application ...
  auto seen = ViewApplication(*ctx_, by_clerk->application_id, supervisor_);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_NE(seen->flags_json.find(first->application_id), std::string::npos) << seen->flags_json;
  EXPECT_NE(seen->flags_json.find("name_exact"), std::string::npos) << seen->flags_json;
  // ... and in the answer to their own enrollment.
  auto by_sup = Enroll(*ctx_, Applicant("Ana", "Lopez", "X9999"), supervisor_);
  ASSERT_TRUE(by_sup.ok());
  ASSERT_FALSE(by_sup->duplicates.empty());
  bool document = false;
  for (const auto& d : by_sup->duplicates) {
    if (d.kind != "document") continue;
    document = true;
    EXPECT_EQ(d.other_applications, std::vector<std::string>{first->application_id});
  }
  EXPECT_TRUE(document);
  auto by_admin = ViewApplication(*ctx_, by_clerk->application_id, admin_);
  ASSERT_TRUE(by_admin.ok());
  EXPECT_EQ(by_admin->flags_json, seen->flags_json);
}

// Another site's application (and card) answers exactly as a missing one: same error id, same
// message; both after one lookup (ViewApplication) or two (ViewCard).
TEST_F(WorkflowTest, PartnerCannotTellOtherSitesApplicationFromMissing) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));  // at city-hall
  const Actor partner{"partner-1", Role::kPartner, "east-library"};
  auto other = ViewApplication(*ctx_, card.application_id, partner);
  auto missing = ViewApplication(*ctx_, "app_0123456789abcdef", partner);
  ASSERT_FALSE(other.ok());
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(other.status().id(), ErrorId::kApplicationNotFound);
  EXPECT_EQ(other.status().id(), missing.status().id());
  EXPECT_EQ(other.status().message(), missing.status().message());
  auto other_card = ViewCard(*ctx_, card.card_number, partner);
  auto missing_card = ViewCard(*ctx_, "000000000000", partner);
  ASSERT_FALSE(other_card.ok());
  ASSERT_FALSE(missing_card.ok());
  EXPECT_EQ(other_card.status().id(), ErrorId::kCardNotFound);
  EXPECT_EQ(other_card.status().id(), missing_card.status().id());
  EXPECT_EQ(other_card.status().message(), missing_card.status().message());
  // Within scope the same calls answer.
  EXPECT_TRUE(ViewApplication(*ctx_, card.application_id, clerk_).ok());
  EXPECT_TRUE(ViewCard(*ctx_, card.card_number, clerk_).ok());
  const Actor home_partner{"partner-2", Role::kPartner, "city-hall"};
  EXPECT_TRUE(ViewApplication(*ctx_, card.application_id, home_partner).ok());
  EXPECT_TRUE(ViewCard(*ctx_, card.card_number, home_partner).ok());
  const Actor auditor{"aud", Role::kAuditor, ""};
  EXPECT_EQ(ViewApplication(*ctx_, card.application_id, auditor).status().id(),
            ErrorId::kPermissionDenied);
}

TEST_F(WorkflowTest, DifferentPeopleAreNotFlagged) {
  ASSERT_TRUE(Enroll(*ctx_, Applicant("Ana", "Lopez", "A1"), clerk_).ok());
  auto r = Enroll(*ctx_, Applicant("Juan", "Perez", "A2"), clerk_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->state, ApplicationState::kDocumentsChecked);
}

TEST_F(WorkflowTest, RolesAreEnforced) {
  auto r = Enroll(*ctx_, Applicant("Ana", "Lopez"), clerk_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Approve(*ctx_, r->application_id, clerk_, "").id(), ErrorId::kPermissionDenied);
  Actor auditor{"aud", Role::kAuditor, ""};
  EXPECT_EQ(Enroll(*ctx_, Applicant("B", "C"), auditor).status().id(), ErrorId::kPermissionDenied);
  EXPECT_EQ(PurgePerson(*ctx_, r->person_id, supervisor_, "").id(), ErrorId::kPermissionDenied);
}

TEST_F(WorkflowTest, FlaggedApprovalNeedsReason) {
  ASSERT_TRUE(Enroll(*ctx_, Applicant("Ana", "Lopez", "A1"), clerk_).ok());
  auto dup = Enroll(*ctx_, Applicant("ANA", "LOPEZ", "A2"), clerk_);
  ASSERT_EQ(dup->state, ApplicationState::kFlagged);
  EXPECT_EQ(Approve(*ctx_, dup->application_id, supervisor_, "").id(),
            ErrorId::kFailedPrecondition);
  EXPECT_TRUE(Approve(*ctx_, dup->application_id, supervisor_, "twin; documents differ").ok());
}

TEST_F(WorkflowTest, ReasonsRefuseBidiOverridesAndC1Controls) {
  // Auditors and the applicant's access history read reasons: an override (U+202E) or a C1
  // control would make one read otherwise. Nothing is written.
  auto r = Enroll(*ctx_, Applicant("Ana", "Lopez"), clerk_);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(Approve(*ctx_, r->application_id, supervisor_, "ok \u202Etxt.exe").id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(Approve(*ctx_, r->application_id, supervisor_, "ok \u2067x\u2069").id(),
            ErrorId::kInvalidArgument);
  EXPECT_EQ(Approve(*ctx_, r->application_id, supervisor_, "ok \u0085").id(),
            ErrorId::kInvalidArgument);
  EXPECT_TRUE(Approve(*ctx_, r->application_id, supervisor_, "ok \u00e9\u0645").ok());
}

TEST_F(WorkflowTest, IssueBeforeApprovalIsInvalidTransition) {
  auto r = Enroll(*ctx_, Applicant("Ana", "Lopez"), clerk_);
  EXPECT_EQ(Issue(*ctx_, r->application_id, clerk_).status().id(), ErrorId::kInvalidTransition);
  EXPECT_EQ(Issue(*ctx_, "app_nope", clerk_).status().id(), ErrorId::kApplicationNotFound);
}

TEST_F(WorkflowTest, IssuedCardVerifiesOfflineAndKeepsAddressUntilPrinted) {
  IssuedCard card = EnrollApproveIssue(Applicant("Хосе", "Гарсия"));
  auto outcome = VerifyWithStatus(card.qr_text);
  ASSERT_EQ(outcome.verdict, credential::Verdict::kValid) << outcome.failure.ToString();
  EXPECT_EQ(outcome.claims->card_number, card.card_number);
  EXPECT_EQ(outcome.claims->full_name_native, "Хосе Гарсия");
  EXPECT_EQ(outcome.claims->native_language, "spa");
  EXPECT_EQ(outcome.claims->date_of_birth.ToString(), "1990-04-12");
  // The card prints the address, so issuing keeps it (and the photo) until the card is marked
  // printed (MarkPrinted, below).
  auto record = ReadPerson(*ctx_, card.person_id, supervisor_, "test");
  ASSERT_TRUE(record.ok());
  EXPECT_TRUE(record->address.has_value());
  // The payload can be rebuilt identically for a reprint.
  auto again = CardPayload(*ctx_, card.card_number, clerk_, "reprint");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, card.qr_text);
}

TEST_F(WorkflowTest, MarkPrintedLeavesTheQueueAndDropsTheAddressOnce) {
  IssuedCard first = EnrollApproveIssue(Applicant("Ana", "Lopez", "A1"));
  clock_.Advance(60);
  IssuedCard second = EnrollApproveIssue(Applicant("Juan", "Perez", "A2"));
  auto queue = PrintQueue(*ctx_, clerk_, 10);
  ASSERT_TRUE(queue.ok()) << queue.status().ToString();
  ASSERT_EQ(queue->size(), 2u);
  EXPECT_EQ((*queue)[0].number, first.card_number);  // oldest first
  EXPECT_EQ((*queue)[1].number, second.card_number);

  const int64_t before = AuditSize();
  auto marked = MarkPrinted(*ctx_, first.card_number, clerk_);
  ASSERT_TRUE(marked.ok()) << marked.status().ToString();
  EXPECT_EQ(marked->printed_at, kNow + 60);
  EXPECT_EQ(AuditSize(), before + 2);  // card.printed, person.update (retention after print)
  auto record = ReadPerson(*ctx_, first.person_id, supervisor_, "test");
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->address.has_value());  // the New York policy keeps no address
  queue = PrintQueue(*ctx_, clerk_, 10);
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->size(), 1u);
  EXPECT_EQ((*queue)[0].number, second.card_number);
  // The other holder's record is untouched until their card is printed.
  auto other = ReadPerson(*ctx_, second.person_id, supervisor_, "test");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->address.has_value());

  EXPECT_EQ(MarkPrinted(*ctx_, first.card_number, clerk_).status().id(),
            ErrorId::kInvalidTransition);  // already printed
  EXPECT_EQ(MarkPrinted(*ctx_, "000000000000", clerk_).status().id(), ErrorId::kCardNotFound);
  EXPECT_EQ(MarkPrinted(*ctx_, "12ab", clerk_).status().id(), ErrorId::kInvalidCardNumber);
  const Actor partner{"p-1", Role::kPartner, "east"};
  const Actor auditor{"a-1", Role::kAuditor, ""};
  EXPECT_EQ(MarkPrinted(*ctx_, second.card_number, partner).status().id(),
            ErrorId::kPermissionDenied);
  EXPECT_EQ(MarkPrinted(*ctx_, second.card_number, auditor).status().id(),
            ErrorId::kPermissionDenied);
  EXPECT_EQ(PrintQueue(*ctx_, partner, 10).status().id(), ErrorId::kPermissionDenied);
  EXPECT_EQ(PrintQueue(*ctx_, auditor, 10).status().id(), ErrorId::kPermissionDenied);
  // A revoked card is not printed, and leaves the queue.
  ASSERT_TRUE(Revoke(*ctx_, second.card_number, supervisor_, "fraud").ok());
  EXPECT_EQ(MarkPrinted(*ctx_, second.card_number, clerk_).status().id(),
            ErrorId::kInvalidTransition);
  queue = PrintQueue(*ctx_, clerk_, 10);
  ASSERT_TRUE(queue.ok());
  EXPECT_TRUE(queue->empty());
}

TEST_F(WorkflowTest, UnprintedCardLosesTheAddressWhenThePrintWindowCloses) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));
  ASSERT_EQ(policy_->retention().print_window_days, 30);  // the default
  clock_.Advance(int64_t{29} * 86400);
  auto summary = PurgeExpired(*ctx_, admin_);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->print_windows_closed, 0);
  auto record = ReadPerson(*ctx_, card.person_id, supervisor_, "test");
  ASSERT_TRUE(record.ok());
  EXPECT_TRUE(record->address.has_value());

  clock_.Advance(int64_t{2} * 86400);
  summary = PurgeExpired(*ctx_, admin_);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->print_windows_closed, 1);
  record = ReadPerson(*ctx_, card.person_id, supervisor_, "test");
  ASSERT_TRUE(record.ok());
  EXPECT_FALSE(record->address.has_value());
  // Once: the next run finds nothing due. The card still waits in the print queue.
  summary = PurgeExpired(*ctx_, admin_);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->print_windows_closed, 0);
  auto queue = PrintQueue(*ctx_, clerk_, 10);
  ASSERT_TRUE(queue.ok());
  ASSERT_EQ(queue->size(), 1u);
  // Printed late, nothing is left to drop: only card.printed is logged.
  const int64_t before = AuditSize();
  ASSERT_TRUE(MarkPrinted(*ctx_, card.card_number, clerk_).ok());
  EXPECT_EQ(AuditSize(), before + 1);
}

TEST_F(WorkflowTest, RevokedCardShowsRevoked) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));
  EXPECT_EQ(Revoke(*ctx_, card.card_number, supervisor_, "").id(), ErrorId::kMissingField);
  ASSERT_TRUE(Revoke(*ctx_, card.card_number, supervisor_, "fraud").ok());
  EXPECT_EQ(VerifyWithStatus(card.qr_text).verdict, credential::Verdict::kRevoked);
  EXPECT_EQ(Revoke(*ctx_, card.card_number, supervisor_, "again").id(),
            ErrorId::kInvalidTransition);
}

TEST_F(WorkflowTest, ReplaceRevokesOldAndIssuesNewNumber) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));
  auto fresh = Replace(*ctx_, card.card_number, clerk_, "lost");
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  EXPECT_NE(fresh->card_number, card.card_number);
  EXPECT_EQ(fresh->replaced, card.card_number);
  EXPECT_EQ(VerifyWithStatus(card.qr_text).verdict, credential::Verdict::kRevoked);
  EXPECT_EQ(VerifyWithStatus(fresh->qr_text).verdict, credential::Verdict::kValid);
}

// Revoke is supervisor-only; a clerk's replace revokes too, so a clerk may replace only for the
// holder's report (lost, stolen, damaged), never for a reason that is a revocation decision.
TEST_F(WorkflowTest, ClerkCannotRevokeThroughReplace) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));
  EXPECT_EQ(Revoke(*ctx_, card.card_number, clerk_, "suspected fraud").id(),
            ErrorId::kPermissionDenied);
  const int64_t before = AuditSize();
  auto refused = Replace(*ctx_, card.card_number, clerk_, "suspected fraud");
  EXPECT_EQ(refused.status().id(), ErrorId::kPermissionDenied);
  EXPECT_EQ(AuditSize(), before);  // nothing written
  EXPECT_EQ(VerifyWithStatus(card.qr_text).verdict, credential::Verdict::kValid);
  // The holder's report: allowed, and the category is the logged reason.
  auto stolen = Replace(*ctx_, card.card_number, clerk_, "stolen");
  ASSERT_TRUE(stolen.ok()) << stolen.status().ToString();
  EXPECT_EQ(VerifyWithStatus(card.qr_text).verdict, credential::Verdict::kRevoked);
  // A supervisor may replace for any stated reason.
  auto by_sup = Replace(*ctx_, stolen->card_number, supervisor_, "suspected fraud; new card");
  EXPECT_TRUE(by_sup.ok()) << by_sup.status().ToString();
  EXPECT_TRUE(IsCounterReplaceReason("damaged"));
  EXPECT_FALSE(IsCounterReplaceReason("Lost"));
}

TEST_F(WorkflowTest, RenewExtendsExpiryAndSupersedesOldCard) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));
  clock_.Advance(365 * 86400);
  auto renewed = Renew(*ctx_, card.card_number, clerk_);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_GT(renewed->expires_at, card.expires_at);
  EXPECT_EQ(VerifyWithStatus(card.qr_text).verdict, credential::Verdict::kRevoked);
  EXPECT_EQ(VerifyWithStatus(renewed->qr_text).verdict, credential::Verdict::kValid);
}

TEST_F(WorkflowTest, PurgePersonShredsRecordAndRevokesCards) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez", "Z1"));
  ASSERT_TRUE(PurgePerson(*ctx_, card.person_id, admin_, "applicant request").ok());
  EXPECT_EQ(ReadPerson(*ctx_, card.person_id, supervisor_, "x").status().id(),
            ErrorId::kPersonNotFound);
  EXPECT_EQ(Persons(), 0);
  EXPECT_EQ(VerifyWithStatus(card.qr_text).verdict, credential::Verdict::kRevoked);
  // Blind indexes are gone too: the same person enrolling again is not flagged.
  auto again = Enroll(*ctx_, Applicant("Ana", "Lopez", "Z1"), clerk_);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->state, ApplicationState::kDocumentsChecked);
}

TEST_F(WorkflowTest, RetentionPurgesAbandonedAndExpired) {
  auto abandoned = Enroll(*ctx_, Applicant("Ana", "Lopez", "Q1"), clerk_);
  IssuedCard card = EnrollApproveIssue(Applicant("Juan", "Perez", "Q2"));
  auto summary = PurgeExpired(*ctx_, admin_);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->persons_purged, 0);
  // Far in the future: the card has expired and retention has passed for both.
  clock_.Advance(int64_t{20} * 365 * 86400);
  summary = PurgeExpired(*ctx_, admin_);
  ASSERT_TRUE(summary.ok()) << summary.status().ToString();
  EXPECT_EQ(summary->persons_purged, 2);
  EXPECT_EQ(summary->cards_expired, 1);
  EXPECT_EQ(Persons(), 0);
  EXPECT_EQ(ReadPerson(*ctx_, abandoned->person_id, supervisor_, "x").status().id(),
            ErrorId::kPersonNotFound);
}

TEST_F(WorkflowTest, FlaggedApplicationCannotBeApprovedByItsEnroller) {
  ASSERT_TRUE(Enroll(*ctx_, Applicant("Ana", "Lopez", "A1"), supervisor_).ok());
  auto dup = Enroll(*ctx_, Applicant("ANA", "LOPEZ", "A2"), supervisor_);
  ASSERT_EQ(dup->state, ApplicationState::kFlagged);
  EXPECT_EQ(Approve(*ctx_, dup->application_id, supervisor_, "looks fine").id(),
            ErrorId::kPermissionDenied);
  EXPECT_EQ(Approve(*ctx_, dup->application_id, admin_, "   ").id(), ErrorId::kFailedPrecondition);
  EXPECT_TRUE(Approve(*ctx_, dup->application_id, admin_, "checked documents").ok());
}

TEST_F(WorkflowTest, RetentionKeepsRenewedCardholderThroughGracePeriod) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));
  clock_.Advance(int64_t{4} * 365 * 86400);
  auto renewed = Renew(*ctx_, card.card_number, clerk_);
  ASSERT_TRUE(renewed.ok());
  // Past the old card's expiry + grace, but the renewed card is still valid: keep.
  clock_.Advance(int64_t{4} * 365 * 86400);
  auto summary = PurgeExpired(*ctx_, admin_);
  ASSERT_TRUE(summary.ok());
  EXPECT_EQ(summary->persons_purged, 0);
  EXPECT_EQ(Persons(), 1);
  // Just after the renewed card expires: still within the grace period.
  clock_.Set(renewed->expires_at + 86400);
  summary = PurgeExpired(*ctx_, admin_);
  EXPECT_EQ(summary->persons_purged, 0);
  EXPECT_EQ(summary->cards_expired, 1);
}

TEST_F(WorkflowTest, NoFreshPayloadForRevokedCard) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));
  ASSERT_TRUE(Revoke(*ctx_, card.card_number, supervisor_, "stolen").ok());
  EXPECT_EQ(CardPayload(*ctx_, card.card_number, clerk_, "reprint").status().id(),
            ErrorId::kInvalidTransition);
  EXPECT_EQ(Renew(*ctx_, card.card_number, clerk_).status().id(), ErrorId::kInvalidTransition);
}

TEST_F(WorkflowTest, ApplicationRowHoldsTotalsNotDocumentTypes) {
  auto r = Enroll(*ctx_, Applicant("Ana", "Lopez"), clerk_);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
    auto app = tx.GetApplication(r->application_id);
    EXPECT_EQ((*app)->evaluation_json.find("passport"), std::string::npos);
    EXPECT_EQ((*app)->evaluation_json.find("2030"), std::string::npos);
    auto docs = tx.DocumentsForApplication(r->application_id);
    for (const auto& d : *docs) {
      EXPECT_TRUE(d.category == "identity" || d.category == "residency" || d.category == "both");
    }
    return Status::Ok();
  }).ok());
  // The details are in the encrypted record, for a supervisor who states a reason.
  auto rec = ReadPerson(*ctx_, r->person_id, supervisor_, "review");
  ASSERT_TRUE(rec.ok());
  EXPECT_NE(rec->evaluation_json.find("foreign_passport"), std::string::npos);
}

TEST_F(WorkflowTest, ReasonsAreBoundedAndPrintable) {
  IssuedCard card = EnrollApproveIssue(Applicant("Ana", "Lopez"));
  EXPECT_EQ(Revoke(*ctx_, card.card_number, supervisor_, std::string(300, 'x')).id(),
            ErrorId::kFieldTooLong);
  EXPECT_EQ(Revoke(*ctx_, card.card_number, supervisor_, "bad\x1b[31m").id(),
            ErrorId::kInvalidArgument);
}

TEST_F(WorkflowTest, ReadPersonNeedsReasonAndIsLogged) {
  auto r = Enroll(*ctx_, Applicant("Ana", "Lopez"), clerk_);
  const int64_t before = AuditSize();
  EXPECT_EQ(ReadPerson(*ctx_, r->person_id, clerk_, "").status().id(), ErrorId::kMissingField);
  ASSERT_TRUE(ReadPerson(*ctx_, r->person_id, clerk_, "applicant at counter").ok());
  EXPECT_EQ(AuditSize(), before + 1);
}

// ---- names (issue 14 §6): whatever enrollment accepts is issued, shown and verified ----

TEST_F(WorkflowTest, NativeScriptNameWithoutLanguageIsIssuedShownAndVerified) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"小明", "王"}, {"דוד", "כהן"}, {"Александр", "Пушкин"}, {"Ivan", "Петров"}};
  int n = 0;
  for (const auto& [given, family] : cases) {
    ApplicantInput in = Applicant(given, family, "N" + std::to_string(n++));
    in.language.clear();  // the file said nothing about the language
    IssuedCard card = EnrollApproveIssue(in);
    ASSERT_FALSE(card.qr_text.empty()) << given;
    auto shown = CardPayload(*ctx_, card.card_number, clerk_, "show");
    ASSERT_TRUE(shown.ok()) << given << ": " << shown.status().ToString();
    const auto outcome = VerifyWithStatus(*shown);
    ASSERT_EQ(outcome.verdict, credential::Verdict::kValid) << outcome.failure.ToString();
    EXPECT_FALSE(outcome.claims->full_name_native.empty()) << given;
    EXPECT_EQ(outcome.claims->native_language, "und") << given;  // undetermined, not guessed
  }
}

TEST_F(WorkflowTest, ZeroWidthJoinersInPersianAndIndicNamesAreAccepted) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"محمد\u200Cرضا", "علی\u200Cزاده"},  // Persian: ZWNJ keeps the parts unjoined
      {"क्\u200Dषितिज", "शर्मा"}};           // Devanagari: ZWJ asks for the half form
  int n = 0;
  for (const auto& [given, family] : cases) {
    ApplicantInput in = Applicant(given, family, "Z" + std::to_string(n++));
    IssuedCard card = EnrollApproveIssue(in);
    const auto outcome = VerifyWithStatus(card.qr_text);
    ASSERT_EQ(outcome.verdict, credential::Verdict::kValid) << outcome.failure.ToString();
    EXPECT_NE(outcome.claims->full_name_native.find(given), std::string::npos);
  }
}

TEST_F(WorkflowTest, MononymInFamilyIsEnrolledAndPrintedAsIs) {
  IssuedCard card = EnrollApproveIssue(Applicant("", "Suharto"));
  const auto outcome = VerifyWithStatus(card.qr_text);
  ASSERT_EQ(outcome.verdict, credential::Verdict::kValid) << outcome.failure.ToString();
  EXPECT_EQ(outcome.claims->full_name, "Suharto");
  EXPECT_EQ(outcome.claims->family_name, "Suharto");
  EXPECT_EQ(outcome.claims->given_name, "");
  // In given works the same way; no name at all does not.
  card = EnrollApproveIssue(Applicant("Teller", "", "P7654321"));
  EXPECT_EQ(VerifyWithStatus(card.qr_text).claims->full_name, "Teller");
  EXPECT_EQ(Enroll(*ctx_, Applicant("", " ", "P1"), clerk_).status().id(), ErrorId::kMissingField);
}

TEST_F(WorkflowTest, EmojiNameIsRefusedAtEnrollmentNotAtIssue) {
  const int64_t before = Persons();
  auto r = Enroll(*ctx_, Applicant("Ana\U0001F600", "Lopez"), clerk_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().id(), ErrorId::kInvalidName);
  EXPECT_EQ(r.status().message().find("Ana"), std::string::npos);  // names the field, not the name
  EXPECT_NE(r.status().message().find("legal_name.given"), std::string::npos);
  EXPECT_EQ(Persons(), before);
}

TEST_F(WorkflowTest, TransliteratedNameIsAnsweredForTheClerkToConfirm) {
  auto r = Enroll(*ctx_, Applicant("小明", "王"), clerk_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->latin_name_transliterated);
  EXPECT_EQ(r->printed_name, "Xiao Ming Wang");
  ASSERT_TRUE(Approve(*ctx_, r->application_id, supervisor_, "ok").ok());
  auto card = Issue(*ctx_, r->application_id, clerk_);
  ASSERT_TRUE(card.ok());
  // What the clerk was shown is what the card prints.
  EXPECT_EQ(VerifyWithStatus(card->qr_text).claims->full_name, r->printed_name);
  // A Latin legal name, or the applicant's own Latin spelling, is not transliterated.
  auto latin = Enroll(*ctx_, Applicant("José", "García", "A2"), clerk_);
  ASSERT_TRUE(latin.ok());
  EXPECT_FALSE(latin->latin_name_transliterated);
  EXPECT_EQ(latin->printed_name, "José García");
  ApplicantInput own = Applicant("小明", "王", "A3");
  own.latin_name = PersonName{"Siu Ming", "Wong"};
  auto given = Enroll(*ctx_, own, clerk_);
  ASSERT_TRUE(given.ok());
  EXPECT_FALSE(given->latin_name_transliterated);
  EXPECT_EQ(given->printed_name, "Siu Ming Wong");
}

}  // namespace
}  // namespace cityid::core
