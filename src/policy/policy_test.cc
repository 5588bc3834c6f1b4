#include "policy/policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace cityid::policy {
namespace {


std::string SourceDir() {
  if (const char* dir = std::getenv("CITYID_SOURCE_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return CITYID_TEST_SOURCE_DIR;
}

const std::string kNewYork = "policies/new-york-points.toml";
const std::string kSanFrancisco = "policies/san-francisco-list.toml";

Policy LoadShipped(const std::string& relative) {
  auto policy = Policy::Load(SourceDir() + "/" + relative);
  if (!policy.ok()) {
    ADD_FAILURE() << relative << ": " << policy.status().ToString();
    std::abort();
  }
  return *std::move(policy);
}

const Policy& NewYork() {
  static const Policy policy = LoadShipped(kNewYork);
  return policy;
}
const Policy& SanFrancisco() {
  static const Policy policy = LoadShipped(kSanFrancisco);
  return policy;
}

Date D(const char* text) { return *Date::Parse(text); }
const Date kToday = D("2025-03-01");

PresentedDocument Doc(std::string type, std::optional<Date> issued = std::nullopt,
                      std::optional<Date> expires = std::nullopt, bool has_number = true) {
  return PresentedDocument{std::move(type), issued, expires, has_number};
}

bool Contains(const std::vector<std::string>& lines, const std::string& needle) {
  for (const std::string& line : lines) {
    if (line.find(needle) != std::string::npos) return true;
  }
  return false;
}

// A small valid points policy that the parse tests break one line at a time.
const std::string kTestPolicy = R"toml([city]
name = "Testville"
issuer = "https://id.test.example"
languages = ["en"]
version = "t1"

[card]
validity_years = 3
minimum_age = 14
printed_fields = ["gender"]

[retention]
abandoned_application_days = 30
rejected_application_days = 30
after_card_expiry_days = 30
keep_photo_after_print = true

[rule]
kind = "points"
identity_min = 3
residency_min = 1
require_photo = true
require_dob = true

[[documents]]
id = "photo_card"
name_en = "Photo card"
category = "identity"
identity_points = 1
has_photo = true
validity = "not_expired"

[[documents]]
id = "civil_record"
name_en = "Civil record"
category = "identity"
identity_points = 3
has_dob = true

[[documents]]
id = "plain_record"
name_en = "Plain record"
category = "identity"
identity_points = 3

[[documents]]
id = "bill"
name_en = "Bill"
category = "residency"
residency_points = 1
validity = { issued_within_days = 60 }
)toml";

// A small list policy where two secondary documents can lack a photo.
const std::string kTestListPolicy = R"toml([city]
name = "Listville"
issuer = "https://id.list.example"
languages = ["en"]
version = "l1"

[card]
validity_years = 2
minimum_age = 14

[retention]
abandoned_application_days = 30
rejected_application_days = 30
after_card_expiry_days = 30
keep_photo_after_print = false

[rule]
kind = "list"
residency_min = 1
secondary_min = 2
secondary_require_photo = true
secondary_require_dob = false

[[documents]]
id = "passport"
name_en = "Passport"
category = "identity"
tier = "primary"
has_photo = true
has_dob = true

[[documents]]
id = "record_a"
name_en = "Record A"
category = "identity"
tier = "secondary"
has_dob = true

[[documents]]
id = "record_b"
name_en = "Record B"
category = "identity"
tier = "secondary"

[[documents]]
id = "photo_card"
name_en = "Photo card"
category = "identity"
tier = "secondary"
has_photo = true

[[documents]]
id = "bill"
name_en = "Bill"
category = "residency"
residency_points = 1
)toml";

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) {
    ADD_FAILURE() << "fixture has no '" << from << "'";
    return text;
  }
  return text.replace(at, from.size(), to);
}

Policy ParseOrDie(const std::string& text) {
  auto policy = Policy::Parse(text, "test.toml");
  if (!policy.ok()) {
    ADD_FAILURE() << policy.status().ToString();
    std::abort();
  }
  return *std::move(policy);
}

// ---------------------------------------------------------------------------------------------
// Shipped policies

TEST(PolicyFilesTest, BothShippedPoliciesLoad) {
  for (const std::string& file : {kNewYork, kSanFrancisco}) {
    auto policy = Policy::Load(SourceDir() + "/" + file);
    ASSERT_TRUE(policy.ok()) << file << ": " << policy.status().ToString();
    EXPECT_FALSE(policy->city_name().empty());
    EXPECT_EQ(policy->issuer().rfind("https://", 0), 0u);
    EXPECT_EQ(policy->Fingerprint().size(), 64u);
    EXPECT_EQ(policy->retention().keep_address_after_print, false) << file;
  }
}

TEST(PolicyFilesTest, ShippedPoliciesHaveTheRequiredDocumentTypes) {
  for (const Policy* policy : {&NewYork(), &SanFrancisco()}) {
    for (const char* id :
         {"foreign_passport", "us_passport", "consular_id", "foreign_drivers_license",
          "birth_certificate", "utility_bill", "bank_statement", "lease", "shelter_letter"}) {
      const DocumentType* doc = policy->FindDocument(id);
      ASSERT_NE(doc, nullptr) << policy->city_name() << " lacks " << id;
      EXPECT_FALSE(doc->Name("es").empty());
      EXPECT_NE(doc->Name("es"), doc->Name("en")) << id;
    }
  }
}

// The portal offers English, Spanish, simplified Chinese and Arabic: every shipped document has a
// name in each, written in its own script (not an English name copied over).
TEST(PolicyFilesTest, ShippedPoliciesNameEveryDocumentInFourLanguages) {
  auto has_code_point_in = [](const std::string& s, char32_t lo, char32_t hi) {
    for (size_t i = 0; i < s.size();) {
      const auto c = static_cast<unsigned char>(s[i]);
      char32_t cp = c;
      size_t n = 1;
      if (c >= 0xF0) {
        cp = c & 0x07, n = 4;
      } else if (c >= 0xE0) {
        cp = c & 0x0F, n = 3;
      } else if (c >= 0xC0) {
        cp = c & 0x1F, n = 2;
      }
      for (size_t k = 1; k < n && i + k < s.size(); ++k) {
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
      }
      if (cp >= lo && cp <= hi) return true;
      i += n;
    }
    return false;
  };
  for (const Policy* policy : {&NewYork(), &SanFrancisco()}) {
    EXPECT_EQ(policy->languages(), (std::vector<std::string>{"en", "es", "zh", "ar"}));
    for (const DocumentType& doc : policy->documents()) {
      EXPECT_TRUE(has_code_point_in(doc.Name("zh"), 0x4E00, 0x9FFF)) << doc.id;  // CJK ideographs
      EXPECT_TRUE(has_code_point_in(doc.Name("ar"), 0x0600, 0x06FF)) << doc.id;  // Arabic
      EXPECT_FALSE(has_code_point_in(doc.Name("zh"), 0x0600, 0x06FF)) << doc.id;
      EXPECT_FALSE(has_code_point_in(doc.Name("ar"), 0x4E00, 0x9FFF)) << doc.id;
    }
  }
}

TEST(PolicyFilesTest, ShippedPoliciesCatalogueNoStatusRevealingDocument) {
  for (const Policy* policy : {&NewYork(), &SanFrancisco()}) {
    for (const DocumentType& doc : policy->documents()) {
      // Whole words of the id, so "readable" does not match "ead".
      std::vector<std::string> words;
      std::string word;
      for (char c : doc.id + "_") {
        if (c == '_') {
          words.push_back(word);
          word.clear();
        } else {
          word += c;
        }
      }
      for (const char* bad :
           {"visa", "green", "permanent", "resident",    "employment", "work",    "authorization",
            "itin", "ssn",   "social",    "immigration", "asylum",     "refugee", "ead",
            "i94",  "alien", "detention", "status",      "parole",     "tps",     "daca",
            "ebt",  "jail",  "prison",    "country",     "nationality"}) {
        EXPECT_EQ(std::count(words.begin(), words.end(), bad), 0) << doc.id << " has " << bad;
      }
    }
  }
}

TEST(PolicyFilesTest, AccessorsReflectTheFiles) {
  const Policy& ny = NewYork();
  EXPECT_EQ(ny.city_name(), "New York City");
  EXPECT_EQ(ny.rule().kind, RuleKind::kPoints);
  EXPECT_EQ(ny.rule().identity_min, 3);
  EXPECT_EQ(ny.rule().residency_min, 1);
  EXPECT_EQ(ny.validity_years(), 5);
  EXPECT_TRUE(ny.Prints("gender"));
  EXPECT_TRUE(ny.Prints("veteran"));
  EXPECT_EQ(ny.languages(), (std::vector<std::string>{"en", "es", "zh", "ar"}));

  const Policy& sf = SanFrancisco();
  EXPECT_EQ(sf.rule().kind, RuleKind::kList);
  EXPECT_EQ(sf.validity_years(), 2);
  EXPECT_FALSE(sf.Prints("gender"));  // SF Admin. Code §95.2: the card shows no gender
  EXPECT_TRUE(sf.Prints("address"));
  EXPECT_FALSE(sf.retention().keep_address_after_print);
  EXPECT_NE(ny.Fingerprint(), sf.Fingerprint());
}

TEST(PolicyFilesTest, FingerprintIsStableAndTracksTheText) {
  const Policy a = ParseOrDie(kTestPolicy);
  const Policy b = ParseOrDie(kTestPolicy);
  const Policy c = ParseOrDie(kTestPolicy + "# a comment changes the fingerprint\n");
  EXPECT_EQ(a.Fingerprint(), b.Fingerprint());
  EXPECT_NE(a.Fingerprint(), c.Fingerprint());
  // SHA-256 of the empty string would be e3b0...; make sure it is a hash of the actual text.
  EXPECT_NE(a.Fingerprint(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(PolicyFilesTest, LoadMissingFileIsIoError) {
  auto policy = Policy::Load(SourceDir() + "/policies/no-such-city.toml");
  ASSERT_FALSE(policy.ok());
  EXPECT_EQ(policy.status().id(), ErrorId::kIo);
}

// ---------------------------------------------------------------------------------------------
// Points rule (New York)

TEST(PolicyPointsTest, PointsRuleSatisfiedByPassportAndUtilityBill) {
  const std::vector<PresentedDocument> docs = {
      Doc("foreign_passport", D("2020-05-01"), D("2030-05-01")),
      Doc("utility_bill", D("2025-02-10")),
  };
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  EXPECT_TRUE(ev.satisfied) << ev.Explain();
  EXPECT_EQ(ev.rule, "points");
  EXPECT_EQ(ev.identity_points, 3);
  EXPECT_EQ(ev.residency_points, 1);
  EXPECT_TRUE(ev.has_photo_document);
  EXPECT_TRUE(ev.has_dob_document);
  EXPECT_TRUE(ev.missing.empty());
  EXPECT_TRUE(ev.suggestions.empty());
  ASSERT_EQ(ev.documents.size(), 2u);
  EXPECT_TRUE(ev.documents[0].accepted);
  EXPECT_TRUE(ev.documents[1].accepted);
}

TEST(PolicyPointsTest, RejectsUtilityBillOlderThan60Days) {
  const PresentedDocument bill = Doc("utility_bill", D("2024-12-30"));  // 61 days before kToday
  const Status st = NewYork().CheckDocument(bill, kToday);
  EXPECT_EQ(st.id(), ErrorId::kDocumentNotValid);
  EXPECT_NE(st.message().find("more than 60 days ago"), std::string::npos) << st.message();

  const std::vector<PresentedDocument> docs = {Doc("us_passport", std::nullopt, D("2029-01-01")),
                                               bill};
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_FALSE(ev.documents[1].accepted);
  EXPECT_EQ(ev.documents[1].residency_points, 0);
  EXPECT_NE(ev.documents[1].reason.find("issued on 2024-12-30"), std::string::npos);
  // Exactly 60 days is still fine.
  EXPECT_TRUE(NewYork().CheckDocument(Doc("utility_bill", D("2024-12-31")), kToday).ok());
}

TEST(PolicyPointsTest, AcceptsPassportExpiredLessThanThreeYears) {
  const PresentedDocument passport = Doc("foreign_passport", D("2013-01-01"), D("2023-01-01"));
  EXPECT_TRUE(NewYork().CheckDocument(passport, kToday).ok());
  const std::vector<PresentedDocument> docs = {passport, Doc("utility_bill", D("2025-02-01"))};
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  // IDNYC credits a recently expired machine-readable passport with 2 points, not 3.
  EXPECT_EQ(ev.documents[0].identity_points, 2);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_TRUE(Contains(ev.missing, "needs 1 more identity point")) << ev.Explain();
}

TEST(PolicyPointsTest, RejectsPassportExpiredMoreThanThreeYears) {
  const Status st =
      NewYork().CheckDocument(Doc("foreign_passport", std::nullopt, D("2022-02-27")), kToday);
  EXPECT_EQ(st.id(), ErrorId::kDocumentNotValid);
  EXPECT_NE(st.message().find("expired on 2022-02-27, more than 1095 days ago"), std::string::npos)
      << st.message();
}

TEST(PolicyPointsTest, RejectsExpiredUsPassport) {
  const Status st =
      NewYork().CheckDocument(Doc("us_passport", std::nullopt, D("2025-02-28")), kToday);
  EXPECT_EQ(st.id(), ErrorId::kDocumentNotValid);
  EXPECT_EQ(st.message(), "expired on 2025-02-28");
  // A document expiring today is still valid today.
  EXPECT_TRUE(NewYork().CheckDocument(Doc("us_passport", std::nullopt, kToday), kToday).ok());
}

TEST(PolicyPointsTest, ExplainsMissingResidencyPointWithSuggestion) {
  const std::vector<PresentedDocument> docs = {Doc("us_passport", std::nullopt, D("2030-01-01"))};
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_EQ(ev.missing, std::vector<std::string>{"needs 1 more residency point"});
  ASSERT_FALSE(ev.suggestions.empty());
  EXPECT_TRUE(Contains(ev.suggestions, "Utility bill")) << ev.Explain();
  EXPECT_TRUE(
      Contains(ev.suggestions, "issued within the last 60 days, would give 1 residency point"))
      << ev.Explain();
  const std::string text = ev.Explain();
  EXPECT_NE(text.find("do not yet satisfy"), std::string::npos) << text;
  EXPECT_NE(text.find("needs 1 more residency point"), std::string::npos) << text;
  EXPECT_NE(text.find("Utility bill"), std::string::npos) << text;
}

TEST(PolicyPointsTest, SuggestsAFreshCopyOfARejectedDocumentFirst) {
  const std::vector<PresentedDocument> docs = {
      Doc("us_passport", std::nullopt, D("2030-01-01")),
      Doc("pay_stub", D("2024-10-01")),  // too old
  };
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  ASSERT_FALSE(ev.suggestions.empty());
  EXPECT_EQ(ev.suggestions[0].rfind("Pay stub", 0), 0u) << ev.Explain();
}

TEST(PolicyPointsTest, StateIdWithCityAddressAloneIsEnough) {
  const std::vector<PresentedDocument> docs = {
      Doc("ny_state_id_with_city_address", std::nullopt, D("2027-01-01"))};
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  EXPECT_TRUE(ev.satisfied) << ev.Explain();
  EXPECT_EQ(ev.identity_points, 3);
  EXPECT_EQ(ev.residency_points, 1);
}

TEST(PolicyPointsTest, DuplicateDocumentCountsOnce) {
  const std::vector<PresentedDocument> docs = {
      Doc("birth_certificate"),
      Doc("birth_certificate"),
      Doc("utility_bill", D("2025-02-01")),
      Doc("utility_bill", D("2025-02-15")),
  };
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  EXPECT_EQ(ev.identity_points, 2);
  EXPECT_EQ(ev.residency_points, 1);
  EXPECT_TRUE(ev.documents[0].accepted);
  EXPECT_FALSE(ev.documents[1].accepted);
  EXPECT_NE(ev.documents[1].reason.find("duplicate"), std::string::npos);
  EXPECT_EQ(ev.documents[1].identity_points, 0);
  EXPECT_FALSE(ev.documents[3].accepted);
  EXPECT_FALSE(ev.satisfied);
}

TEST(PolicyPointsTest, DuplicateKeepsTheOccurrenceWorthMost) {
  const std::vector<PresentedDocument> docs = {
      Doc("foreign_passport", std::nullopt, D("2024-01-01")),  // expired: 2 points
      Doc("foreign_passport", std::nullopt, D("2032-01-01")),  // valid: 3 points
  };
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  EXPECT_EQ(ev.identity_points, 3);
  EXPECT_FALSE(ev.documents[0].accepted);
  EXPECT_TRUE(ev.documents[1].accepted);
}

TEST(PolicyPointsTest, UnknownDocumentTypeNotAccepted) {
  const std::vector<PresentedDocument> docs = {Doc("library_card"),
                                               Doc("us_passport", std::nullopt, D("2030-01-01")),
                                               Doc(std::string("bad\xff\x01type"))};
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  EXPECT_FALSE(ev.documents[0].accepted);
  EXPECT_EQ(ev.documents[0].reason, "unknown document type 'library_card'");
  EXPECT_EQ(ev.documents[0].identity_points, 0);
  EXPECT_FALSE(ev.documents[2].accepted);
  EXPECT_EQ(ev.documents[2].reason, "unknown document type (unprintable id)");
  EXPECT_EQ(ev.identity_points, 3);
  EXPECT_EQ(NewYork().CheckDocument(Doc("library_card"), kToday).id(),
            ErrorId::kUnknownDocumentType);
  // The JSON stays valid even with invalid UTF-8 in a presented id.
  EXPECT_TRUE(nlohmann::json::accept(ev.ToJson()));
}

TEST(PolicyPointsTest, MissingDatesAndNumbersAreReported) {
  const Policy& ny = NewYork();
  EXPECT_EQ(ny.CheckDocument(Doc("us_passport"), kToday).id(), ErrorId::kInvalidDate);
  EXPECT_EQ(ny.CheckDocument(Doc("utility_bill"), kToday).id(), ErrorId::kInvalidDate);
  EXPECT_EQ(ny.CheckDocument(Doc("us_passport", std::nullopt, D("2030-01-01"), false), kToday).id(),
            ErrorId::kMissingField);
  EXPECT_EQ(ny.CheckDocument(Doc("utility_bill", D("2025-03-02")), kToday).id(),
            ErrorId::kInvalidDate);  // issued tomorrow
  EXPECT_EQ(ny.CheckDocument(Doc("us_passport", D("2024-01-01"), D("2023-01-01")), kToday).id(),
            ErrorId::kInvalidDate);  // issued after expiry
  EXPECT_EQ(
      ny.CheckDocument(Doc("birth_certificate", std::nullopt, std::nullopt, false), kToday).id(),
      ErrorId::kNone);  // no dates, no number needed
  const std::vector<PresentedDocument> docs = {Doc("us_passport")};
  const Evaluation ev = ny.Evaluate(docs, kToday);
  EXPECT_FALSE(ev.documents[0].accepted);
  EXPECT_NE(ev.documents[0].reason.find("expiry date required"), std::string::npos);
}

TEST(PolicyPointsTest, RequiresAPhotoDocument) {
  const Policy policy = ParseOrDie(kTestPolicy);
  const std::vector<PresentedDocument> docs = {Doc("civil_record"), Doc("bill", D("2025-02-01"))};
  const Evaluation ev = policy.Evaluate(docs, kToday);
  EXPECT_EQ(ev.identity_points, 3);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_EQ(ev.missing, std::vector<std::string>{"needs an accepted document with a photo"});
  EXPECT_TRUE(Contains(ev.suggestions,
                       "Photo card, not expired, has a photo, and would give 1 identity point"))
      << ev.Explain();
}

TEST(PolicyPointsTest, RequiresADateOfBirthDocument) {
  const Policy policy = ParseOrDie(kTestPolicy);
  const std::vector<PresentedDocument> docs = {Doc("plain_record"),
                                               Doc("photo_card", std::nullopt, D("2026-01-01")),
                                               Doc("bill", D("2025-02-01"))};
  const Evaluation ev = policy.Evaluate(docs, kToday);
  EXPECT_EQ(ev.identity_points, 4);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_EQ(ev.missing,
            std::vector<std::string>{"needs an accepted document showing the date of birth"});
  EXPECT_TRUE(Contains(ev.suggestions,
                       "Civil record shows the date of birth, and would give 3 identity points"))
      << ev.Explain();
}

TEST(PolicyPointsTest, NothingPresentedExplainsEveryGap) {
  const Evaluation ev = NewYork().Evaluate({}, kToday);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_TRUE(Contains(ev.missing, "needs 3 more identity points"));
  EXPECT_TRUE(Contains(ev.missing, "needs an accepted document with a photo"));
  EXPECT_TRUE(Contains(ev.missing, "needs an accepted document showing the date of birth"));
  EXPECT_TRUE(Contains(ev.missing, "needs 1 more residency point"));
  EXPECT_TRUE(Contains(ev.suggestions, "would give 3 identity points")) << ev.Explain();
  EXPECT_NE(ev.Explain().find("No documents were presented."), std::string::npos);
}

TEST(PolicyPointsTest, EvaluationJsonHasStableFields) {
  const std::vector<PresentedDocument> docs = {Doc("us_passport", std::nullopt, D("2030-01-01"))};
  const auto json = nlohmann::json::parse(NewYork().Evaluate(docs, kToday).ToJson());
  for (const char* key : {"satisfied", "rule", "identity_points", "residency_points",
                          "identity_required", "residency_required", "has_photo_document",
                          "has_dob_document", "documents", "missing", "suggestions"}) {
    EXPECT_TRUE(json.contains(key)) << key;
  }
  EXPECT_EQ(json["satisfied"], false);
  EXPECT_EQ(json["identity_points"], 3);
  EXPECT_EQ(json["documents"][0]["type"], "us_passport");
  EXPECT_EQ(json["documents"][0]["accepted"], true);
  EXPECT_EQ(json["missing"][0], "needs 1 more residency point");
}

// The machine-readable fields portals localise from: suggested[] names each suggestion's
// catalogue id in the order of suggestions[], missing_codes[] follows missing[].
TEST(PolicyPointsTest, SuggestedIdsFollowTheSuggestions) {
  const Evaluation ev = NewYork().Evaluate({}, kToday);
  ASSERT_EQ(ev.suggested.size(), ev.suggestions.size());
  ASSERT_EQ(ev.suggested_for.size(), ev.suggestions.size());
  for (size_t i = 0; i < ev.suggested.size(); ++i) {
    const DocumentType* doc = NewYork().FindDocument(ev.suggested[i]);
    ASSERT_NE(doc, nullptr) << ev.suggested[i];
    EXPECT_EQ(ev.suggestions[i].rfind(doc->Name(), 0), 0u) << i << ": " << ev.suggestions[i];
  }
  // Three 3-point photo documents with a date of birth close the identity, photo and date of
  // birth gaps at once (catalogue order breaks the tie); then three residency documents, the
  // first being the state ID with a city address (it gives a residency point too).
  EXPECT_EQ(ev.suggested, (std::vector<std::string>{
                              "us_passport", "foreign_passport", "us_drivers_license",
                              "ny_state_id_with_city_address", "utility_bill", "bank_statement"}));
  EXPECT_EQ(ev.suggested_for,
            (std::vector<std::string>{"identity_points", "identity_points", "identity_points",
                                      "residency_points", "residency_points", "residency_points"}));
  ASSERT_EQ(ev.missing_codes.size(), ev.missing.size());
  const std::vector<std::pair<std::string, int>> want = {
      {"identity_points", 3}, {"photo", 1}, {"dob", 1}, {"residency_points", 1}};
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(ev.missing_codes[i].code, want[i].first);
    EXPECT_EQ(ev.missing_codes[i].count, want[i].second);
  }
}

TEST(PolicyPointsTest, MissingCodesCarryTheGapAndTheRejectedTypeComesFirst) {
  const std::vector<PresentedDocument> docs = {
      Doc("birth_certificate"),          // 2 identity points and the date of birth
      Doc("pay_stub", D("2024-10-01")),  // too old
  };
  const Evaluation ev = NewYork().Evaluate(docs, kToday);
  ASSERT_EQ(ev.missing_codes.size(), 3u) << ev.Explain();
  EXPECT_EQ(ev.missing_codes[0].code, "identity_points");
  EXPECT_EQ(ev.missing_codes[0].count, 1);
  EXPECT_EQ(ev.missing_codes[1].code, "photo");
  EXPECT_EQ(ev.missing_codes[2].code, "residency_points");
  ASSERT_FALSE(ev.suggested.empty());
  EXPECT_EQ(std::count(ev.suggested.begin(), ev.suggested.end(), "birth_certificate"), 0);
  const auto pay = std::find(ev.suggested.begin(), ev.suggested.end(), "pay_stub");
  ASSERT_NE(pay, ev.suggested.end()) << ev.Explain();
  EXPECT_EQ(ev.suggested_for[pay - ev.suggested.begin()], "residency_points");
  // The first residency suggestion is the type presented too old.
  const auto first_residency =
      std::find(ev.suggested_for.begin(), ev.suggested_for.end(), "residency_points");
  EXPECT_EQ(first_residency - ev.suggested_for.begin(), pay - ev.suggested.begin());
}

TEST(PolicyPointsTest, SatisfiedHasNoCodesAndJsonCarriesThem) {
  const std::vector<PresentedDocument> ok = {Doc("us_passport", std::nullopt, D("2030-01-01")),
                                             Doc("lease")};
  const Evaluation done = NewYork().Evaluate(ok, kToday);
  EXPECT_TRUE(done.satisfied);
  EXPECT_TRUE(done.missing_codes.empty());
  EXPECT_TRUE(done.suggested.empty());

  const std::vector<PresentedDocument> docs = {Doc("us_passport", std::nullopt, D("2030-01-01"))};
  const auto json = nlohmann::json::parse(NewYork().Evaluate(docs, kToday).ToJson());
  EXPECT_EQ(json["missing_codes"],
            nlohmann::json::parse(R"([{"code":"residency_points","count":1}])"));
  EXPECT_EQ(json["suggested"],
            nlohmann::json::parse(
                R"(["ny_state_id_with_city_address","utility_bill","bank_statement"])"));
  EXPECT_EQ(json["suggested_for"],
            nlohmann::json::parse(R"(["residency_points","residency_points","residency_points"])"));
  // Existing fields keep their place; the new ones come after suggestions.
  std::vector<std::string> keys;
  const auto ordered = nlohmann::ordered_json::parse(NewYork().Evaluate(docs, kToday).ToJson());
  for (const auto& item : ordered.items()) keys.push_back(item.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{
                "satisfied", "rule", "identity_points", "residency_points", "identity_required",
                "residency_required", "has_photo_document", "has_dob_document", "documents",
                "missing", "suggestions", "missing_codes", "suggested", "suggested_for"}));
}

// ---------------------------------------------------------------------------------------------
// List rule (San Francisco)

TEST(PolicyListTest, ListRuleAcceptsOnePrimary) {
  const std::vector<PresentedDocument> docs = {
      Doc("consular_id", std::nullopt, D("2027-06-01")),
      Doc("utility_bill", D("2025-02-15")),
  };
  const Evaluation ev = SanFrancisco().Evaluate(docs, kToday);
  EXPECT_TRUE(ev.satisfied) << ev.Explain();
  EXPECT_EQ(ev.rule, "list: one primary");
  EXPECT_EQ(ev.residency_points, 1);
}

TEST(PolicyListTest, ListRuleTwoSecondaryNeedsOnePhoto) {
  const Policy policy = ParseOrDie(kTestListPolicy);
  const std::vector<PresentedDocument> no_photo = {Doc("record_a"), Doc("record_b"), Doc("bill")};
  Evaluation ev = policy.Evaluate(no_photo, kToday);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_EQ(ev.rule, "list");
  EXPECT_EQ(ev.missing,
            std::vector<std::string>{"needs a secondary identity document with a photo"});
  EXPECT_TRUE(Contains(ev.suggestions, "Passport would prove identity on its own"));
  EXPECT_TRUE(Contains(
      ev.suggestions, "Photo card would count as another secondary identity document with a photo"))
      << ev.Explain();

  const std::vector<PresentedDocument> with_photo = {Doc("record_a"), Doc("photo_card"),
                                                     Doc("bill")};
  ev = policy.Evaluate(with_photo, kToday);
  EXPECT_TRUE(ev.satisfied) << ev.Explain();
  EXPECT_EQ(ev.rule, "list: two secondary");

  // The same with San Francisco's catalogue: a birth certificate and a foreign driver's licence.
  const std::vector<PresentedDocument> sf_docs = {
      Doc("birth_certificate"), Doc("foreign_drivers_license", std::nullopt, D("2026-01-01")),
      Doc("bank_statement", D("2025-02-20"))};
  ev = SanFrancisco().Evaluate(sf_docs, kToday);
  EXPECT_TRUE(ev.satisfied) << ev.Explain();
  EXPECT_EQ(ev.rule, "list: two secondary");
}

TEST(PolicyListTest, OneSecondaryIsNotEnough) {
  const std::vector<PresentedDocument> docs = {Doc("birth_certificate"),
                                               Doc("utility_bill", D("2025-02-20"))};
  const Evaluation ev = SanFrancisco().Evaluate(docs, kToday);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_TRUE(Contains(ev.missing, "needs one primary identity document, or 1 more secondary"))
      << ev.Explain();
  EXPECT_TRUE(Contains(ev.missing, "needs a secondary identity document with a photo"));
  EXPECT_TRUE(Contains(ev.suggestions, "with a photo")) << ev.Explain();
}

TEST(PolicyListTest, ListRuleRequiresProofOfResidency) {
  const std::vector<PresentedDocument> docs = {
      Doc("us_passport", std::nullopt, D("2030-01-01")),
      Doc("utility_bill", D("2025-01-15")),  // 45 days: too old for San Francisco's 30
  };
  const Evaluation ev = SanFrancisco().Evaluate(docs, kToday);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_EQ(ev.rule, "list: one primary");
  EXPECT_EQ(ev.missing, std::vector<std::string>{"needs 1 more residency point"});
  ASSERT_FALSE(ev.suggestions.empty());
  EXPECT_NE(ev.suggestions[0].find("issued within the last 30 days"), std::string::npos)
      << ev.Explain();
}

TEST(PolicyListTest, SanFranciscoRejectsExpiredForeignPassport) {
  const Status st =
      SanFrancisco().CheckDocument(Doc("foreign_passport", std::nullopt, D("2024-06-01")), kToday);
  EXPECT_EQ(st.id(), ErrorId::kDocumentNotValid);
}

TEST(PolicyListTest, NothingPresentedNamesBothPaths) {
  const Evaluation ev = SanFrancisco().Evaluate({}, kToday);
  EXPECT_FALSE(ev.satisfied);
  EXPECT_TRUE(Contains(ev.missing,
                       "needs one primary identity document, or two secondary identity documents "
                       "(at least one with a photo and one showing the date of birth)"))
      << ev.Explain();
  EXPECT_TRUE(Contains(ev.missing, "needs 1 more residency point"));
  const std::string text = ev.Explain();
  EXPECT_EQ(text.find("Identity points"), std::string::npos) << text;  // not a points rule
}

TEST(PolicyListTest, ListMissingCodesAndSuggestedIds) {
  Evaluation ev = SanFrancisco().Evaluate({}, kToday);
  ASSERT_EQ(ev.missing_codes.size(), 2u);
  EXPECT_EQ(ev.missing_codes[0].code, "identity_document");
  EXPECT_EQ(ev.missing_codes[0].count, 2);
  EXPECT_EQ(ev.missing_codes[1].code, "residency_points");
  EXPECT_EQ(ev.suggested,
            (std::vector<std::string>{"us_passport", "foreign_passport", "us_drivers_license",
                                      "utility_bill", "bank_statement", "pay_stub"}));
  EXPECT_EQ(ev.suggested_for[0], "identity_document");
  EXPECT_EQ(ev.suggested_for[3], "residency_points");

  // One secondary document without a photo: one more secondary document, with a photo.
  const std::vector<PresentedDocument> docs = {Doc("birth_certificate"), Doc("lease")};
  ev = SanFrancisco().Evaluate(docs, kToday);
  ASSERT_EQ(ev.missing_codes.size(), 2u) << ev.Explain();
  EXPECT_EQ(ev.missing_codes[0].code, "secondary_documents");
  EXPECT_EQ(ev.missing_codes[0].count, 1);
  EXPECT_EQ(ev.missing_codes[1].code, "secondary_photo");
  ASSERT_EQ(ev.suggested.size(), 6u) << ev.Explain();
  for (const std::string& gap : ev.suggested_for) EXPECT_EQ(gap, "secondary_documents");
  EXPECT_EQ(SanFrancisco().FindDocument(ev.suggested[3])->tier, Tier::kSecondary);
  EXPECT_TRUE(SanFrancisco().FindDocument(ev.suggested[3])->has_photo);
}

// ---------------------------------------------------------------------------------------------
// Age

TEST(PolicyAgeTest, UnderMinimumAge) {
  const Status st = NewYork().CheckAge(D("2011-03-02"), kToday);  // 13, turns 14 tomorrow
  EXPECT_EQ(st.id(), ErrorId::kUnderMinimumAge);
  EXPECT_EQ(st.message().find("2011"), std::string::npos);        // no date of birth in messages
  EXPECT_TRUE(NewYork().CheckAge(D("2011-03-01"), kToday).ok());  // 14 today
  EXPECT_EQ(NewYork().CheckAge(D("2026-01-01"), kToday).id(), ErrorId::kInvalidDate);
  EXPECT_EQ(NewYork().CheckAge(Date{2000, 2, 30}, kToday).id(), ErrorId::kInvalidDate);
}

// ---------------------------------------------------------------------------------------------
// Parsing: strict, bounded, and errors that say where.

TEST(PolicyParseTest, TestFixturesParse) {
  const Policy p = ParseOrDie(kTestPolicy);
  EXPECT_EQ(p.documents().size(), 4u);
  EXPECT_EQ(p.source_name(), "test.toml");
  EXPECT_TRUE(p.Prints("gender"));
  EXPECT_FALSE(p.Prints("address"));
  EXPECT_FALSE(p.retention().keep_address_after_print);  // default
  const Policy l = ParseOrDie(kTestListPolicy);
  EXPECT_EQ(l.rule().kind, RuleKind::kList);
}

TEST(PolicyParseTest, RejectsUnknownKeyInPolicy) {
  auto p = Policy::Parse(Replace(kTestPolicy, "residency_min = 1", "residency_mni = 1"), "t.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kInvalidPolicy);
  EXPECT_NE(p.status().message().find("unknown key 'residency_mni'"), std::string::npos)
      << p.status().message();
  EXPECT_NE(p.status().message().find("t.toml:21:"), std::string::npos) << p.status().message();
}

TEST(PolicyParseTest, RejectsMalformedToml) {
  auto p = Policy::Parse(Replace(kTestPolicy, "version = \"t1\"", "version = \"t1"), "t.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kMalformedToml);
  EXPECT_EQ(p.status().message().rfind("t.toml:5:", 0), 0u) << p.status().message();
}

struct BadPolicyCase {
  const char* name;
  std::string from;
  std::string to;
  ErrorId error;
  const char* message;  // substring of the message
};

void PrintTo(const BadPolicyCase& c, std::ostream* os) { *os << c.name; }

class PolicyRejectsTest : public ::testing::TestWithParam<BadPolicyCase> {};

TEST_P(PolicyRejectsTest, IsRejected) {
  const BadPolicyCase& c = GetParam();
  const std::string& base =
      c.from.find("tier") != std::string::npos || c.from.find("secondary") != std::string::npos
          ? kTestListPolicy
          : kTestPolicy;
  auto p = Policy::Parse(Replace(base, c.from, c.to), "bad.toml");
  ASSERT_FALSE(p.ok()) << c.name;
  EXPECT_EQ(p.status().id(), c.error) << c.name << ": " << p.status().ToString();
  EXPECT_NE(p.status().message().find(c.message), std::string::npos)
      << c.name << ": " << p.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PolicyRejectsTest,
    ::testing::Values(
        BadPolicyCase{"UnknownDocumentKey", "has_photo = true\nvalidity",
                      "has_foto = true\nvalidity", ErrorId::kInvalidPolicy,
                      "unknown key 'has_foto'"},
        BadPolicyCase{"UnknownTable", "[card]", "[fees]\nadult = 0\n\n[card]",
                      ErrorId::kInvalidPolicy, "unknown key 'fees'"},
        BadPolicyCase{"UnknownCategory", "category = \"residency\"", "category = \"address\"",
                      ErrorId::kInvalidPolicy, "unknown category 'address'"},
        BadPolicyCase{"NegativePoints", "identity_points = 3\nhas_dob",
                      "identity_points = -1\nhas_dob", ErrorId::kInvalidPolicy,
                      "documents[1].identity_points: must be between 0 and 10"},
        BadPolicyCase{"DuplicateIds", "id = \"plain_record\"", "id = \"civil_record\"",
                      ErrorId::kInvalidPolicy, "duplicate document id 'civil_record'"},
        BadPolicyCase{"MissingRule", "[rule]\nkind = \"points\"", "[rulez]\nkind = \"points\"",
                      ErrorId::kInvalidPolicy, "unknown key 'rulez'"},
        BadPolicyCase{"UnknownRuleKind", "kind = \"points\"", "kind = \"score\"",
                      ErrorId::kInvalidPolicy, "unknown rule kind 'score'"},
        BadPolicyCase{"UnknownValidityKind", "{ issued_within_days = 60 }",
                      "{ issued_within_dayz = 60 }", ErrorId::kInvalidPolicy,
                      "unknown validity kind 'issued_within_dayz'"},
        BadPolicyCase{"UnknownValidityString", "validity = \"not_expired\"",
                      "validity = \"current\"", ErrorId::kInvalidPolicy,
                      "unknown validity kind 'current'"},
        BadPolicyCase{"ContradictoryValidity", "{ issued_within_days = 60 }",
                      "{ not_expired = true, expired_within_days = 30 }", ErrorId::kInvalidPolicy,
                      "contradict"},
        BadPolicyCase{"ZeroDays", "{ issued_within_days = 60 }", "{ issued_within_days = 0 }",
                      ErrorId::kInvalidPolicy, "must be between 1 and"},
        BadPolicyCase{"FloatForInteger", "identity_min = 3", "identity_min = 3.0",
                      ErrorId::kInvalidPolicy,
                      "rule.identity_min: expected an integer, found a float"},
        BadPolicyCase{"StringForBool", "require_dob = true", "require_dob = \"yes\"",
                      ErrorId::kInvalidPolicy, "expected a boolean"},
        BadPolicyCase{"MissingRequiredKey", "require_dob = true\n", "", ErrorId::kInvalidPolicy,
                      "missing key 'require_dob'"},
        BadPolicyCase{"MissingName", "name_en = \"Bill\"\n", "", ErrorId::kInvalidPolicy,
                      "missing key 'name_en'"},
        BadPolicyCase{"NameForUndeclaredLanguage", "name_en = \"Bill\"",
                      "name_en = \"Bill\"\nname_fr = \"Facture\"", ErrorId::kInvalidPolicy,
                      "not in city.languages"},
        BadPolicyCase{"LanguagesWithoutEnglish", "languages = [\"en\"]", "languages = [\"es\"]",
                      ErrorId::kInvalidPolicy, "must include \"en\""},
        BadPolicyCase{"BadLanguageCode", "languages = [\"en\"]", "languages = [\"en\", \"E!\"]",
                      ErrorId::kInvalidPolicy, "not a language code"},
        BadPolicyCase{"HttpIssuer", "https://id.test.example", "http://id.test.example",
                      ErrorId::kInvalidPolicy, "city.issuer"},
        BadPolicyCase{"BadDocumentId", "id = \"bill\"", "id = \"Bill Pay\"",
                      ErrorId::kInvalidPolicy, "is not a document id"},
        BadPolicyCase{"OverlongString", "name = \"Testville\"",
                      "name = \"" + std::string(201, 'x') + "\"", ErrorId::kInvalidPolicy,
                      "longer than 200 bytes"},
        BadPolicyCase{"ControlCharacter", "name = \"Testville\"", "name = \"Test\\u0007ville\"",
                      ErrorId::kInvalidPolicy, "control character"},
        BadPolicyCase{"InvalidUtf8", "name = \"Testville\"", "name = \"Test\xc3\x28ville\"",
                      ErrorId::kMalformedToml, "bad.toml:2:"},
        BadPolicyCase{"UnknownPrintedField", "printed_fields = [\"gender\"]",
                      "printed_fields = [\"immigration_status\"]", ErrorId::kInvalidPolicy,
                      "unknown field 'immigration_status'"},
        BadPolicyCase{"TierInPointsPolicy", "identity_points = 3\n\n",
                      "identity_points = 3\ntier = \"primary\"\n\n", ErrorId::kInvalidPolicy,
                      "tiers are only used by rule kind \"list\""},
        BadPolicyCase{"PointsInListPolicy", "tier = \"secondary\"\nhas_dob",
                      "tier = \"secondary\"\nidentity_points = 1\nhas_dob", ErrorId::kInvalidPolicy,
                      "identity points are not used"},
        BadPolicyCase{"IdentityDocumentWithoutTier", "tier = \"secondary\"\nhas_dob", "has_dob",
                      ErrorId::kInvalidPolicy, "needs tier"},
        BadPolicyCase{"ResidencyWithoutPoints", "residency_points = 1\nvalidity", "validity",
                      ErrorId::kInvalidPolicy, "needs residency_points of at least 1"},
        BadPolicyCase{"IdentityDocumentWithResidencyPoints", "identity_points = 3\n\n",
                      "identity_points = 3\nresidency_points = 1\n\n", ErrorId::kInvalidPolicy,
                      "use category \"both\""},
        BadPolicyCase{"ExpiredPointsWithoutGrace", "validity = \"not_expired\"",
                      "validity = \"not_expired\"\nexpired_identity_points = 1",
                      ErrorId::kInvalidPolicy, "only meaningful with"},
        BadPolicyCase{"UnsatisfiableRule", "identity_min = 3", "identity_min = 10",
                      ErrorId::kInvalidPolicy, "no combination of catalogue documents"},
        BadPolicyCase{"MisspeltCatalogue", "[[documents]]", "[[documentz]]",
                      ErrorId::kInvalidPolicy, "unknown key 'documentz'"}),
    [](const ::testing::TestParamInfo<BadPolicyCase>& case_info) { return case_info.param.name; });

TEST(PolicyParseTest, RejectsMissingRuleTable) {
  const size_t at = kTestPolicy.find("[rule]");
  const size_t end = kTestPolicy.find("[[documents]]");
  std::string text = kTestPolicy;
  text.erase(at, end - at);
  auto p = Policy::Parse(text, "t.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kInvalidPolicy);
  EXPECT_NE(p.status().message().find("missing table [rule]"), std::string::npos)
      << p.status().message();
}

TEST(PolicyParseTest, RejectsUnsatisfiableListRule) {
  std::string text = Replace(kTestListPolicy, "tier = \"primary\"", "tier = \"secondary\"");
  text = Replace(text, "secondary_min = 2", "secondary_min = 9");
  auto p = Policy::Parse(text, "t.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kInvalidPolicy);
  EXPECT_NE(p.status().message().find("no combination of secondary documents proves identity"),
            std::string::npos)
      << p.status().message();
}

TEST(PolicyParseTest, RejectsCatalogueThatIsNotAnArrayOfTables) {
  std::string text = "documents = 3\n" + kTestPolicy.substr(0, kTestPolicy.find("[[documents]]"));
  auto p = Policy::Parse(text, "t.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kInvalidPolicy);
  EXPECT_NE(p.status().message().find("t.toml:1:"), std::string::npos) << p.status().message();
  EXPECT_NE(p.status().message().find("documents: expected an array of tables"), std::string::npos)
      << p.status().message();
}

TEST(PolicyParseTest, RejectsTooManyDocuments) {
  std::string text = kTestPolicy;
  for (int i = 0; i < 200; ++i) {
    text += "\n[[documents]]\nid = \"extra_" + std::to_string(i) +
            "\"\nname_en = \"Extra\"\ncategory = \"residency\"\nresidency_points = 1\n";
  }
  auto p = Policy::Parse(text, "t.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kInvalidPolicy);
  EXPECT_NE(p.status().message().find("more than 200 document types"), std::string::npos);
}

TEST(PolicyParseTest, RejectsOversizedText) {
  const std::string text = kTestPolicy + "#" + std::string(kMaxPolicyBytes, 'x') + "\n";
  auto p = Policy::Parse(text, "t.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_EQ(p.status().id(), ErrorId::kResourceExhausted);
}

TEST(PolicyParseTest, RejectsEmptyAndGarbageInput) {
  EXPECT_EQ(Policy::Parse("", "t.toml").status().id(), ErrorId::kInvalidPolicy);
  EXPECT_EQ(Policy::Parse("= =", "t.toml").status().id(), ErrorId::kMalformedToml);
  EXPECT_EQ(Policy::Parse(std::string("a = \"\0\"", 7), "t.toml").status().id(),
            ErrorId::kMalformedToml);
  EXPECT_FALSE(Policy::Parse(std::string(10000, '['), "t.toml").ok());
}

TEST(PolicyParseTest, PolicyJsonDescribesTheCatalogue) {
  const auto json = nlohmann::json::parse(NewYork().ToJson());
  EXPECT_EQ(json["city"]["name"], "New York City");
  EXPECT_EQ(json["rule"]["kind"], "points");
  EXPECT_EQ(json["city"]["languages"], nlohmann::json::array({"en", "es", "zh", "ar"}));
  EXPECT_EQ(json["fingerprint"], NewYork().Fingerprint());
  EXPECT_EQ(json["documents"].size(), NewYork().documents().size());
  bool found = false;
  for (const auto& doc : json["documents"]) {
    if (doc["id"] == "utility_bill") {
      found = true;
      EXPECT_EQ(doc["validity"]["issued_within_days"], 60);
      EXPECT_EQ(doc["names"]["es"].get<std::string>().rfind("Factura", 0), 0u);
      EXPECT_EQ(doc["names"]["zh"], NewYork().FindDocument("utility_bill")->Name("zh"));
      EXPECT_EQ(doc["names"]["ar"], NewYork().FindDocument("utility_bill")->Name("ar"));
      EXPECT_EQ(doc["names"].size(), 4u);
    }
  }
  EXPECT_TRUE(found);
  const auto sf = nlohmann::json::parse(SanFrancisco().ToJson());
  EXPECT_EQ(sf["rule"]["kind"], "list");
  EXPECT_EQ(sf["rule"]["secondary_min"], 2);
}

}  // namespace
}  // namespace cityid::policy
