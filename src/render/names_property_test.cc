// Property: every applicant enrollment accepts gets a card. Applicants are generated
// (deterministically, from a fixed seed) over two dozen scripts, with every optional field
// present or absent, and each goes enroll -> approve -> issue -> show -> render -> verify
// through the real core, card face, renderer and verifier; none may fail after enrollment.
// And the names base/names.h refuses are refused at enrollment, by the parser and by core.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "base/names.h"
#include "core/applicant.h"
#include "core/workflow.h"
#include "credential/card.h"
#include "credential/status_list.h"
#include "render/card_face.h"
#include "render/render.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid {
namespace {

// 2026-11-25 12:00 UTC
constexpr UnixSeconds kNow = 1795608000;

std::string SourceDir() {
  const char* s = std::getenv("CITYID_SOURCE_DIR");
  return s ? s : CITYID_TEST_SOURCE_DIR;
}

// Sample name parts of one script and the BCP 47 tag its applicants may give.
// `needs_latin`: ICU has no transliteration of the script (Lao, Khmer, Tibetan), so enrollment
// without latin_name is refused (invalid-name, asking for latin_name), never accepted and then
// failed; the generator then gives latin_name, as the clerk would.
struct Script {
  const char* name;
  const char* language;
  std::vector<std::string> given;
  std::vector<std::string> family;
  bool needs_latin = false;
};

const std::vector<Script>& Scripts() {
  static const std::vector<Script> kScripts = {
      {"Latin with diacritics",
       "es",
       {"José", "Zoë", "Łukasz", "Søren", "Thị Minh", "Ærin", "Jean-Luc", "Ñuño"},
       {"García", "Müller", "Þórðardóttir", "Đặng", "O'Brien", "Nguyễn", "Col·lell"}},
      {"Greek", "el", {"Αλέξανδρος", "Ελένη", "Νίκος"}, {"Παπαδόπουλος", "Οικονόμου"}},
      {"Cyrillic",
       "ru",
       {"Александр", "Наталья", "Ґанна", "Їжак"},
       {"Достоевский", "Шевченко", "Цой"}},
      {"Armenian", "hy", {"Գրիգոր", "Անահիտ"}, {"Պետրոսյան", "Հակոբյան"}},
      {"Georgian", "ka", {"ნინო", "გიორგი"}, {"ბერიძე", "კაპანაძე"}},
      {"Hebrew", "he", {"דוד", "שרה", "ג׳ון"}, {"כהן", "לוי", "בן-דוד"}},
      {"Arabic", "ar", {"محمد", "فاطمة", "عبد الرحمن"}, {"العلي", "الحسن"}},
      {"Persian with ZWNJ", "fa", {"محمد\u200Cرضا", "مهسا"}, {"علی\u200Cزاده", "رضایی"}},
      {"Urdu", "ur", {"عائشہ", "عمران"}, {"خان", "قریشی"}},
      {"Devanagari with conjuncts and ZWJ",
       "hi",
       {"प्रिया", "अर्जुन", "क्\u200Dषितिज"},
       {"शर्मा", "श्रीवास्तव"}},
      {"Bengali", "bn", {"রবীন্দ্রনাথ", "অমর"}, {"ঠাকুর", "চক্রবর্তী"}},
      {"Tamil", "ta", {"முருகன்", "கமலா"}, {"சுப்பிரமணியம்", "ராஜா"}},
      {"Telugu", "te", {"వెంకట", "లక్ష్మి"}, {"రావు", "రెడ్డి"}},
      {"Thai", "th", {"สมชาย", "สุดา"}, {"ใจดี", "ศรีสวัสดิ์"}},
      {"Lao", "lo", {"ສົມພອນ", "ບຸນມີ"}, {"ພົມມະວົງ", "ສີສະຫວັດ"}, true},
      {"Khmer", "km", {"សុខា", "ដារ៉ា"}, {"ចាន់", "សុខ"}, true},
      {"Myanmar", "my", {"မောင်", "အောင်"}, {"ဆန်းစုကြည်", "ဝင်း"}},
      {"Ethiopic", "am", {"ተስፋዬ", "አበበ"}, {"ገብረ", "ኃይሌ"}},
      {"Han simplified", "zh-Hans", {"小明", "芳", "晓东"}, {"王", "李", "欧阳"}},
      {"Han traditional", "zh-Hant", {"志偉", "美玲"}, {"陳", "黃"}},
      {"Japanese kana and kanji", "ja", {"さくら", "ジョン・スミス", "翔太"}, {"たなか", "山田"}},
      {"Hangul", "ko", {"민준", "서연"}, {"김", "이", "박"}},
      {"Tibetan", "bo", {"བསྟན་འཛིན", "ཚེ་རིང"}, {"རྒྱ་མཚོ", "དོན་གྲུབ"}, true},
      {"Combining marks (decomposed input)",
       "",
       {"A\u0301na", "Zoe\u0308", "N\u0303u\u0301n\u0303o"},
       {"Garci\u0301a", "Mu\u0308ller"}},
      {"Mixed scripts",
       "",
       {"Ivan Петров", "Анна", "王 Li", "Nikos Παπάς"},
       {"Müller", "Smith", "Ким"}},
  };
  return kScripts;
}

// The applicant's own Latin spelling, when the generator gives one (ASCII, as the file wants).
const std::vector<std::string>& LatinSpellings() {
  static const std::vector<std::string> kLatin = {"Wang",   "Xiaoming", "Cohen",  "Sharma",
                                                  "Rezaei", "Aung",     "Tenzin", "Kim"};
  return kLatin;
}

class NamesPropertyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-names-" + std::to_string(::getpid()) + "-" +
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
    ctx_ = std::make_unique<core::Context>(
        core::Context{*store_, *keys_, *policy_, *names_, clock_, rng_});
    std::ifstream photo(SourceDir() + "/examples/portrait.png", std::ios::binary);
    photo_.assign(std::istreambuf_iterator<char>(photo), std::istreambuf_iterator<char>());
    ASSERT_FALSE(photo_.empty());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  core::ApplicantInput Base(int serial) {
    core::ApplicantInput in;
    in.date_of_birth = {1950 + serial % 50, 1 + serial % 12, 1 + serial % 28};
    in.documents.push_back({"foreign_passport", "P" + std::to_string(100000 + serial), std::nullopt,
                            Date{2030, 1, 1}});
    in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
    return in;
  }

  int64_t Persons() {
    int64_t n = -1;
    EXPECT_TRUE(store_
                    ->Read([&](store::Tx& tx) -> Status {
                      CITYID_ASSIGN_OR_RETURN(n, tx.CountPersons());
                      return Status::Ok();
                    })
                    .ok());
    return n;
  }

  std::filesystem::path dir_;
  SeededRng rng_{14};
  FixedClock clock_{kNow};
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<policy::Policy> policy_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::unique_ptr<core::Context> ctx_;
  Bytes photo_;
  core::Actor clerk_{"clerk-1", core::Role::kClerk, "city-hall"};
  core::Actor supervisor_{"sup-1", core::Role::kSupervisor, "city-hall"};
};

TEST_F(NamesPropertyTest, EveryEnrolledApplicantInEveryScriptGetsAVerifiableCard) {
  std::mt19937 gen(20261207);  // fixed seed: the same applicants on every run
  auto pick = [&gen](const std::vector<std::string>& v) {
    return v[std::uniform_int_distribution<size_t>(0, v.size() - 1)(gen)];
  };
  auto coin = [&gen] { return std::bernoulli_distribution(0.5)(gen); };
  const auto& scripts = Scripts();
  ASSERT_GE(scripts.size(), 20u);
  constexpr int kPerScript = 8;
  int serial = 0;
  int asked_for_latin = 0;
  for (const Script& script : scripts) {
    for (int k = 0; k < kPerScript; ++k, ++serial) {
      core::ApplicantInput in = Base(serial);
      // The split: both parts, a mononym in family (ICAO's primary identifier) or in given.
      const int split = k % 4 == 3 ? 1 + static_cast<int>(coin()) : 0;
      if (split != 2) in.legal_name.family = pick(script.family);
      if (split != 1) in.legal_name.given = pick(script.given);
      if (coin() && *script.language) in.language = script.language;
      bool own_latin = k % 3 == 1;
      if (own_latin)
        in.latin_name = core::PersonName{pick(LatinSpellings()), pick(LatinSpellings())};
      if (coin()) in.gender = std::vector<std::string>{"F", "M", "X"}[serial % 3];
      if (coin()) in.preferred_name = pick(script.given);
      if (coin())
        in.address = core::Address{"1 Main St", coin() ? "Apt 2" : "", "New York", "NY", "10001"};
      in.veteran = coin();
      if (coin()) {
        in.photo = photo_;
        in.photo_type = "png";
      }
      const std::string what = std::string(script.name) + " #" + std::to_string(k) + " (given '" +
                               in.legal_name.given + "', family '" + in.legal_name.family +
                               "', language '" + in.language + "')";

      // Enroll.
      auto e = core::Enroll(*ctx_, in, clerk_);
      if (script.needs_latin && !own_latin) {
        ASSERT_FALSE(e.ok()) << what;
        EXPECT_EQ(e.status().id(), ErrorId::kInvalidName) << what;
        EXPECT_NE(e.status().message().find("give latin_name"), std::string::npos) << what;
        in.latin_name = core::PersonName{pick(LatinSpellings()), pick(LatinSpellings())};
        own_latin = true;
        ++asked_for_latin;
        e = core::Enroll(*ctx_, in, clerk_);
      }
      ASSERT_TRUE(e.ok()) << what << ": " << e.status().ToString();
      const bool latin_legal =
          names::IsLatin(in.legal_name.given) && names::IsLatin(in.legal_name.family);
      EXPECT_EQ(e->latin_name_transliterated, !own_latin && !latin_legal) << what;
      EXPECT_TRUE(names::CheckName(e->printed_name, names::Kind::kFull).ok()) << what;

      // Nothing may fail from here on.
      ASSERT_TRUE(core::Approve(*ctx_, e->application_id, supervisor_, "documents seen").ok())
          << what;
      auto card = core::Issue(*ctx_, e->application_id, clerk_);
      ASSERT_TRUE(card.ok()) << what << ": " << card.status().ToString();

      // Show: the record and a fresh payload, as `cityid show` / the API read them.
      auto person = core::ReadPerson(*ctx_, e->person_id, supervisor_, "show");
      ASSERT_TRUE(person.ok()) << what << ": " << person.status().ToString();
      auto payload = core::CardPayload(*ctx_, card->card_number, clerk_, "show");
      ASSERT_TRUE(payload.ok()) << what << ": " << payload.status().ToString();

      // Render: the card face from the record, laid out on both sides (every 8th rasterized).
      auto face = render::BuildCardFace(*ctx_, card->card_number, clerk_, "print");
      ASSERT_TRUE(face.ok()) << what << ": " << face.status().ToString();
      auto layout = render::LayoutCard(*face, render::Side::kBoth);
      ASSERT_TRUE(layout.ok()) << what << ": " << layout.status().ToString();
      if (serial % 8 == 0) {
        auto png = render::RenderPng(*face, render::Side::kBoth, render::kMinDpi);
        ASSERT_TRUE(png.ok()) << what << ": " << png.status().ToString();
      }

      // Verify: the issued card and the one just shown are valid and carry the printed names.
      const auto keys = keys_->PublicKeys(policy_->issuer());
      for (const std::string& qr : {card->qr_text, *payload}) {
        const auto outcome = credential::VerifyCard(qr, keys, clock_.Now(), nullptr);
        ASSERT_EQ(outcome.verdict, credential::Verdict::kValid)
            << what << ": " << outcome.failure.ToString();
        const credential::CardClaims& c = *outcome.claims;
        EXPECT_EQ(c.full_name, e->printed_name) << what;
        EXPECT_EQ(face->latin_name, c.full_name) << what;
        EXPECT_EQ(face->native_name, c.full_name_native) << what;
        EXPECT_EQ(c.full_name_native.empty(), c.native_language.empty()) << what;
        if (!c.full_name_native.empty() && in.language.empty()) {
          EXPECT_EQ(c.native_language, "und") << what;
        }
        if (own_latin) {
          EXPECT_EQ(c.full_name, in.latin_name->given + " " + in.latin_name->family) << what;
        }
      }
    }
  }
  EXPECT_EQ(Persons(), serial);
  EXPECT_GT(asked_for_latin, 0);
}

// Names base/names.h refuses: each is refused at enrollment (by the applicant-file parser and
// by core::Enroll itself), with an error of the kInvalidArgument family, and nothing is written.
TEST_F(NamesPropertyTest, UnacceptableNamesAreRefusedAtEnrollmentNeverLater) {
  struct Case {
    const char* what;
    std::string given;
    std::string family;
    ErrorId id;
  };
  std::string too_many_bytes;
  for (size_t i = 0; i <= names::kMaxPartBytes / 3; ++i) too_many_bytes += "王";
  const std::vector<Case> cases = {
      {"emoji", "Ana\U0001F600", "Lopez", ErrorId::kInvalidName},
      {"emoji alone", "\U0001F600", "Lopez", ErrorId::kInvalidName},
      {"emoji with skin tone", "Ana", "\U0001F44D\U0001F3FD", ErrorId::kInvalidName},
      {"bidi override", "Ana\u202Egnol", "Lopez", ErrorId::kInvalidArgument},
      {"bidi isolate", "Ana", "\u2067Lopez", ErrorId::kInvalidArgument},
      {"control character", "Ana\x1b[31m", "Lopez", ErrorId::kInvalidArgument},
      {"C1 control", "Ana", "Lo\u0085pez", ErrorId::kInvalidArgument},
      {"lone combining mark", "\u0301", "Lopez", ErrorId::kInvalidName},
      {"ZWJ at the start", "\u200DAna", "Lopez", ErrorId::kInvalidName},
      {"ZWNJ at the end", "Ana", "Lopez\u200C", ErrorId::kInvalidName},
      {"digit", "Ana", "Lopez3", ErrorId::kInvalidName},
      {"private use", "Ana\uE000", "Lopez", ErrorId::kInvalidName},
      {"too many characters", std::string(names::kMaxPartCodePoints + 1, 'a'), "Lopez",
       ErrorId::kFieldTooLong},
      {"too many bytes", "Ana", too_many_bytes, ErrorId::kFieldTooLong},
      {"no name at all", "", " ", ErrorId::kMissingField},
  };
  for (const auto& c : cases) {
    // The core API.
    core::ApplicantInput in = Base(1);
    in.legal_name = {c.given, c.family};
    in.language = "es";
    auto e = core::Enroll(*ctx_, in, clerk_);
    ASSERT_FALSE(e.ok()) << c.what;
    EXPECT_EQ(e.status().id(), c.id) << c.what << ": " << e.status().ToString();
    EXPECT_EQ(e.status().code(), StatusCode::kInvalidArgument) << c.what;
    EXPECT_EQ(e.status().message().find("Ana"), std::string::npos) << c.what;
    // The applicant file (CLI and API).
    const nlohmann::json file = {{"legal_name", {{"given", c.given}, {"family", c.family}}},
                                 {"date_of_birth", "1990-01-01"},
                                 {"documents", nlohmann::json::array()}};
    auto parsed = core::ParseApplicantJson(file.dump(), ".", Date{2026, 11, 25});
    ASSERT_FALSE(parsed.ok()) << c.what;
    EXPECT_EQ(parsed.status().id(), c.id) << c.what << ": " << parsed.status().ToString();
    // The same name as the preferred name is refused too.
    if (c.id != ErrorId::kMissingField) {
      in = Base(2);
      in.legal_name = {"Ana", "Lopez"};
      in.preferred_name = c.given == "Ana" ? c.family : c.given;
      EXPECT_EQ(core::Enroll(*ctx_, in, clerk_).status().id(), c.id) << "preferred: " << c.what;
    }
  }
  EXPECT_EQ(Persons(), 0);
}

}  // namespace
}  // namespace cityid
