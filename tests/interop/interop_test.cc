// Interoperability: cityid's card payloads against JavaScript written from docs/card-format.md
// (no cityid code), in both directions:
//   - the real binary issues, exports its keys and status list; `node verify.mjs` must reach the
//     same verdict and read the same claims as `cityid verify`. Its checks are the browser's
//     module, web/common/card/ (what the /verify page runs): there is one JavaScript
//     implementation of the checks, and this suite holds it to the binary. verify.mjs adds the
//     emitter checks of tests/interop/lib/conformance.mjs (what the document says cityid emits);
//   - `node encode.mjs` builds cards, keys and status lists from the document alone, with its own
//     encoder (tests/interop/lib: cbor2, node:crypto, nothing of web/ on the signing side);
//     `cityid verify` must accept the good card with the encoded claims and refuse each broken
//     one with the failed check the document names;
//   - `cityid present` makes presentations (docs/card-format.md §10); `node
//     verify_presentation.mjs` (web/common/card/presentation.js) must reach `cityid verify`'s
//     verdict and see exactly the attributes that were disclosed.
// Node.js, tests/interop/node_modules and web/node_modules are required: `scripts/setup` installs
// them. A missing one fails the suite (it is never skipped).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "e2e_util.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using namespace cityid::e2e;  // NOLINT: test file

// Unix seconds far past every card's expiry (as in cli_e2e_test's ExpiredCardIsReportedExpired).
const std::string kTwentyYearsLater = "2426608000";

// `node` (or Debian's older `nodejs` name) from CITYID_NODE or PATH; empty if none.
std::string FindNode() {
  if (const char* n = std::getenv("CITYID_NODE"); n != nullptr && *n != '\0') {
    return ::access(n, X_OK) == 0 ? n : "";
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
  for (const char* name : {"node", "nodejs"}) {
    size_t start = 0;
    while (start <= dirs.size()) {
      const size_t end = std::min(dirs.find(':', start), dirs.size());
      const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
      if (end > start && ::access(candidate.c_str(), X_OK) == 0) return candidate.string();
      start = end + 1;
    }
  }
  return "";
}

fs::path InteropDir() { return fs::path(Source()) / "tests" / "interop"; }

// RFC 9285 Base45, only to alter the bytes of a presentation cityid made (its text is valid
// Base45, so the decoder does not check).
const std::string kBase45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
std::string Base45Decode(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); i += 3) {
    const size_t len = std::min<size_t>(3, text.size() - i);
    uint32_t n = 0, weight = 1;
    for (size_t k = 0; k < len; ++k, weight *= 45) {
      n += static_cast<uint32_t>(kBase45.find(text[i + k])) * weight;
    }
    if (len == 3) out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}
std::string Base45Encode(const std::string& bytes) {
  std::string out;
  size_t i = 0;
  for (; i + 1 < bytes.size(); i += 2) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) * 256u + static_cast<uint8_t>(bytes[i + 1]);
    for (int k = 0; k < 3; ++k, n /= 45) out.push_back(kBase45[n % 45]);
  }
  if (i < bytes.size()) {
    const uint32_t n = static_cast<uint8_t>(bytes[i]);
    out.push_back(kBase45[n % 45]);
    out.push_back(kBase45[n / 45]);
  }
  return out;
}

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("CITYID_ALLOW_CLOCK_OVERRIDE", "1", 1);  // the suite pins the clock with --now
    node_ = FindNode();
    ASSERT_FALSE(node_.empty())
        << "Node.js not found (PATH or CITYID_NODE): run scripts/setup, which installs the "
           "Debian packages nodejs and npm and the interop test's npm packages";
    ASSERT_TRUE(fs::exists(InteropDir() / "node_modules" / "cbor2" / "package.json") &&
                fs::exists(InteropDir() / "node_modules" / "pako" / "package.json") &&
                fs::exists(InteropDir() / "node_modules" / "@noble" / "curves" / "package.json"))
        << InteropDir() / "node_modules"
        << " is missing or incomplete: run scripts/setup (it runs `npm ci --prefix tests/interop`)";
    // The verifying side is the browser's module, web/common/card/: its imports resolve through
    // web/node_modules.
    const fs::path web_modules = fs::path(Source()) / "web" / "node_modules";
    ASSERT_TRUE(fs::exists(web_modules / "@noble" / "curves" / "package.json") &&
                fs::exists(web_modules / "@noble" / "hashes" / "package.json") &&
                fs::exists(web_modules / "pako" / "package.json"))
        << web_modules << " is missing or incomplete: run scripts/setup (it runs `npm ci --prefix web`)";
    tmp_ = fs::temp_directory_path() /
           ("cityid-interop-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(tmp_);
    fs::create_directories(tmp_);
    data_ = tmp_ / "data";
  }
  void TearDown() override {
    if (!HasFailure()) fs::remove_all(tmp_);
  }

  // Runs `node SCRIPT args...` in tests/interop, capturing output under tmp_.
  cityid::e2e::Run Node(const std::string& script, const std::vector<std::string>& args) {
    const fs::path out = tmp_ / ("node-out" + std::to_string(runs_) + ".txt");
    const fs::path err = tmp_ / ("node-err" + std::to_string(runs_++) + ".txt");
    std::vector<std::string> full = {node_, (InteropDir() / script).string()};
    full.insert(full.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    cityid::e2e::Run r;
    pid_t pid;
    const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
      ADD_FAILURE() << "cannot start " << node_;
      return r;
    }
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }
  cityid::e2e::Run NodeVerify(const std::string& qr, const fs::path& keys, const std::vector<fs::path>& lists,
                 const std::string& now = kNow) {
    const fs::path file = Write("node-qr-" + std::to_string(runs_) + ".txt", qr);
    std::vector<std::string> args = {"--keys", keys.string(), "--now", now, "--file", file.string()};
    for (const auto& l : lists) args.insert(args.end(), {"--status", l.string()});
    return Node("verify.mjs", args);
  }
  cityid::e2e::Run NodeVerifyPresentation(const std::string& text, const fs::path& keys,
                                          const std::vector<fs::path>& lists,
                                          const std::string& now = kNow) {
    const fs::path file = Write("node-presentation-" + std::to_string(runs_) + ".txt", text);
    std::vector<std::string> args = {"--keys", keys.string(), "--now", now, "--file", file.string()};
    for (const auto& l : lists) args.insert(args.end(), {"--status", l.string()});
    return Node("verify_presentation.mjs", args);
  }
  cityid::e2e::Run CityidVerify(const fs::path& qr_file, const fs::path& keys,
                   const std::vector<fs::path>& lists, const std::string& now = kNow) {
    std::vector<std::string> args = {"--now", now, "--json", "verify", "--file", qr_file.string(),
                                     "--keys", keys.string()};
    for (const auto& l : lists) args.insert(args.end(), {"--status", l.string()});
    return Cityid(args, tmp_);
  }

  fs::path Write(const std::string& name, const std::string& text) {
    const fs::path p = tmp_ / name;
    std::ofstream(p, std::ios::binary) << text;
    return p;
  }
  std::string Example(const std::string& name) { return Source() + "/examples/" + name; }

  // init (in `data`) -> enroll `applicant` -> approve -> issue; returns the QR text.
  std::string IssueCard(const fs::path& data, const std::string& applicant) {
    EXPECT_EQ(Cityid({"init", "--data", data.string(), "--policy",
                      Source() + "/policies/new-york-points.toml"},
                     tmp_)
                  .code,
              0);
    auto e = Cityid({"--json", "enroll", "--data", data.string(), "--applicant", applicant}, tmp_);
    EXPECT_EQ(e.code, 0) << e.err;
    const std::string app = e.Json().value("application_id", "");
    auto a = Cityid({"approve", "--data", data.string(), "--application", app}, tmp_);
    EXPECT_EQ(a.code, 0) << a.err;
    auto i = Cityid({"--json", "issue", "--data", data.string(), "--application", app}, tmp_);
    EXPECT_EQ(i.code, 0) << i.err;
    return i.Json().value("qr_payload", "");
  }
  fs::path ExportKeys(const fs::path& data, const std::string& name = "keys.json") {
    const fs::path keys = tmp_ / name;
    auto r = Cityid({"keys", "export", "--data", data.string(), "--out", keys.string()}, tmp_);
    EXPECT_EQ(r.code, 0) << r.err;
    return keys;
  }
  fs::path ExportStatusList(const fs::path& data, const std::string& name = "status.json") {
    const fs::path list = tmp_ / name;
    auto r = Cityid({"status-list", "export", "--data", data.string(), "--out", list.string()}, tmp_);
    EXPECT_EQ(r.code, 0) << r.err;
    return list;
  }

  // The claims both verifiers report must be the same card.
  static void ExpectSameClaims(const json& cityid_disclosed, const json& node_claims) {
    for (const char* field : {"card_number", "full_name", "date_of_birth", "issuer", "issued_at",
                              "expires_at"}) {
      EXPECT_EQ(node_claims.value(field, "<absent>"), cityid_disclosed.value(field, "<absent>"))
          << field;
    }
    // Optional attributes: present for both or for neither.
    for (const char* field : {"full_name_native", "gender"}) {
      EXPECT_EQ(node_claims.value(field, "<absent>"), cityid_disclosed.value(field, "<absent>"))
          << field;
    }
  }

  std::string node_;
  fs::path tmp_;
  fs::path data_;
  int runs_ = 0;
};

TEST_F(InteropTest, JsSidePassesPublishedKnownAnswers) {
  auto r = Node("selftest.mjs", {});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(" passed, 0 failed"), std::string::npos) << r.out;
}

TEST_F(InteropTest, JsVerifierAcceptsCityidCardAndReadsTheSameClaims) {
  const std::string qr = IssueCard(data_, Example("applicant-jose.json"));
  ASSERT_FALSE(qr.empty());
  const fs::path keys = ExportKeys(data_);
  const fs::path list = ExportStatusList(data_);

  auto mine = CityidVerify(Write("qr.txt", qr), keys, {list});
  ASSERT_EQ(mine.code, 0) << mine.out << mine.err;
  const json disclosed = mine.Json()["disclosed"];

  auto theirs = NodeVerify(qr, keys, {list});
  ASSERT_EQ(theirs.code, 0) << theirs.out << theirs.err;
  const json v = theirs.Json();
  EXPECT_EQ(v["verdict"], "valid");
  const json c = v["claims"];
  ExpectSameClaims(disclosed, c);
  EXPECT_EQ(c["key_id"], mine.Json()["key_id"]);
  EXPECT_EQ(c["card_number"].get<std::string>().size(), 12u);
  EXPECT_EQ(c["date_of_birth"], "1990-04-12");
  // Given and family name (keys 5 and 7) are the Latin parts of the printed full name.
  ASSERT_TRUE(c.contains("given_name") && c.contains("family_name")) << c.dump();
  const std::string full = c["full_name"];
  EXPECT_NE(full.find(c["given_name"].get<std::string>()), std::string::npos) << full;
  EXPECT_NE(full.find(c["family_name"].get<std::string>()), std::string::npos) << full;
  // Digests cover exactly the attributes, and nothing cityid-only beyond keys 98 and 99.
  EXPECT_TRUE(c["unknown_keys"].empty()) << c.dump();
  EXPECT_EQ(c["revocation"], "checked against status list " + c["status_list"]["id"].get<std::string>());
  // The same card from a file with a trailing newline, as `cityid issue --out` writes it.
  EXPECT_EQ(NodeVerify(qr + "\n", keys, {list}).code, 0);
}

TEST_F(InteropTest, JsVerifierReadsNativeScriptName) {
  const std::string qr = IssueCard(data_, Example("applicant-khose-duplicate.json"));
  ASSERT_FALSE(qr.empty());
  const fs::path keys = ExportKeys(data_);
  auto mine = CityidVerify(Write("qr.txt", qr), keys, {});
  ASSERT_EQ(mine.code, 0) << mine.out << mine.err;
  auto theirs = NodeVerify(qr, keys, {});
  ASSERT_EQ(theirs.code, 0) << theirs.out << theirs.err;
  const json c = theirs.Json()["claims"];
  ExpectSameClaims(mine.Json()["disclosed"], c);
  EXPECT_EQ(c.value("full_name_native", ""), "Хосе Гарсия");
  EXPECT_EQ(c.value("native_language", ""), "rus") << "key 20 must be ISO 639-3";
}

TEST_F(InteropTest, JsVerifierSeesRevocationAndExpiry) {
  const std::string qr = IssueCard(data_, Example("applicant-jose.json"));
  const fs::path keys = ExportKeys(data_);
  auto mine = CityidVerify(Write("qr.txt", qr), keys, {});
  ASSERT_EQ(mine.code, 0) << mine.out << mine.err;
  const std::string number = mine.Json()["disclosed"]["card_number"];

  auto revoke = Cityid({"revoke", "--data", data_.string(), "--card", number, "--reason", "stolen"}, tmp_);
  ASSERT_EQ(revoke.code, 0) << revoke.err;
  const fs::path list = ExportStatusList(data_, "status-after-revoke.json");
  auto theirs = NodeVerify(qr, keys, {list});
  EXPECT_EQ(theirs.code, 11) << theirs.out << theirs.err;
  EXPECT_EQ(theirs.Json()["verdict"], "revoked");
  EXPECT_EQ(theirs.Json()["claims"]["card_number"], number) << "a revoked card still shows whose it is";
  EXPECT_EQ(CityidVerify(tmp_ / "qr.txt", keys, {list}).code, 11);

  auto later = NodeVerify(qr, keys, {}, kTwentyYearsLater);
  EXPECT_EQ(later.code, 12) << later.out;
  EXPECT_EQ(later.Json()["verdict"], "expired");
  EXPECT_EQ(CityidVerify(tmp_ / "qr.txt", keys, {}, kTwentyYearsLater).code, 12);
}

TEST_F(InteropTest, JsVerifierHonoursRetiredKeysNotAfter) {
  const std::string old_card = IssueCard(data_, Example("applicant-jose.json"));
  ASSERT_FALSE(old_card.empty());
  auto rotate = Cityid({"keys", "rotate", "--data", data_.string()}, tmp_);
  ASSERT_EQ(rotate.code, 0) << rotate.err;
  const fs::path keys = ExportKeys(data_);
  json set = json::parse(Slurp(keys));
  ASSERT_EQ(set["keys"].size(), 2u);
  ASSERT_EQ(set["keys"][0]["status"], "retired");
  ASSERT_TRUE(set["keys"][0]["not_after"].is_number_integer()) << set.dump();
  // The card signed before the rotation still verifies under its retired key...
  auto theirs = NodeVerify(old_card, keys, {});
  EXPECT_EQ(theirs.code, 0) << theirs.out << theirs.err;
  EXPECT_EQ(theirs.Json()["claims"]["key_id"], set["keys"][0]["kid"]);
  // ...but not once the published not_after is earlier than its expiry.
  set["keys"][0]["not_after"] = theirs.Json()["claims"]["exp"].get<int64_t>() - 1;
  const fs::path shortened = Write("keys-shortened.json", set.dump());
  auto refused = NodeVerify(old_card, shortened, {});
  EXPECT_EQ(refused.code, 10) << refused.out;
  EXPECT_EQ(refused.Json()["failed_check"], "unknown-key");
  EXPECT_EQ(CityidVerify(Write("old.txt", old_card), shortened, {}).Json()["failed_check"], "unknown-key");
}

TEST_F(InteropTest, JsVerifierRefusesAlteredAndForeignCityidCards) {
  const std::string qr = IssueCard(data_, Example("applicant-jose.json"));
  ASSERT_FALSE(qr.empty());
  const fs::path keys = ExportKeys(data_);

  // One character changed at several places (staying in the Base45 alphabet): whichever layer
  // notices (Base45, zlib, CBOR, signature), both implementations must call it invalid.
  for (size_t at : {size_t{0}, qr.size() / 3, qr.size() / 2, qr.size() - 4, qr.size() - 1}) {
    std::string altered = qr;
    altered[at] = altered[at] == 'A' ? 'B' : 'A';
    auto theirs = NodeVerify(altered, keys, {});
    EXPECT_EQ(theirs.code, 10) << "at " << at << ": " << theirs.out << theirs.err;
    EXPECT_EQ(theirs.Json()["verdict"], "invalid") << at;
    EXPECT_FALSE(theirs.Json().contains("claims")) << "no claim may be read from an unverified payload";
    EXPECT_EQ(CityidVerify(Write("altered.txt", altered), keys, {}).code, 10) << at;
  }

  // A card signed by another city's key: unknown to this key set, valid under its own.
  const fs::path other = tmp_ / "other";
  const std::string foreign = IssueCard(other, Example("applicant-jose.json"));
  auto theirs = NodeVerify(foreign, keys, {});
  EXPECT_EQ(theirs.code, 10) << theirs.out;
  EXPECT_EQ(theirs.Json()["failed_check"], "unknown-key");
  EXPECT_EQ(CityidVerify(Write("foreign.txt", foreign), keys, {}).Json()["failed_check"], "unknown-key");
  EXPECT_EQ(NodeVerify(foreign, ExportKeys(other, "other-keys.json"), {}).code, 0);

  // A status list from another city is refused, not trusted.
  EXPECT_EQ(NodeVerify(qr, keys, {ExportStatusList(other, "other-status.json")}).code, 10);
}

TEST_F(InteropTest, CityidAcceptsIndependentlyEncodedCardWithTheEncodedClaims) {
  const fs::path dir = tmp_ / "encoded";
  auto enc = Node("encode.mjs", {"--out", dir.string(), "--now", kNow});
  ASSERT_EQ(enc.code, 0) << enc.out << enc.err;
  const json encoded = json::parse(Slurp(dir / "claims.json"));

  auto mine = CityidVerify(dir / "card.txt", dir / "keys.json", {dir / "status.json"});
  ASSERT_EQ(mine.code, 0) << mine.out << mine.err;
  const json v = mine.Json();
  EXPECT_EQ(v["verdict"], "valid");
  ExpectSameClaims(v["disclosed"], encoded);
  EXPECT_EQ(v["revocation"], "checked against status list " + encoded["status_list"]["id"].get<std::string>());

  // The JavaScript verifier agrees with the independent encoder (so a disagreement above is cityid's).
  auto theirs = NodeVerify(Slurp(dir / "card.txt"), dir / "keys.json", {dir / "status.json"});
  EXPECT_EQ(theirs.code, 0) << theirs.out << theirs.err;

  // Their revoked status list: cityid says revoked, and still shows the encoded claims.
  auto revoked = CityidVerify(dir / "card.txt", dir / "keys.json", {dir / "status-revoked.json"});
  EXPECT_EQ(revoked.code, 11) << revoked.out << revoked.err;
  EXPECT_EQ(revoked.Json()["verdict"], "revoked");
  EXPECT_EQ(revoked.Json()["disclosed"]["card_number"], encoded["card_number"]);
}

TEST_F(InteropTest, CityidJudgesEachIndependentVariantAsTheDocumentSays) {
  const fs::path dir = tmp_ / "encoded";
  auto enc = Node("encode.mjs", {"--out", dir.string(), "--now", kNow});
  ASSERT_EQ(enc.code, 0) << enc.out << enc.err;
  const json cases = json::parse(Slurp(dir / "cases.json"));
  ASSERT_GE(cases.size(), 12u);
  for (const auto& c : cases) {
    const std::string file = c["file"];
    const std::string what = file + " (" + c["what"].get<std::string>() + ")";
    auto mine = CityidVerify(dir / file, dir / "keys.json", {dir / "status.json"});
    const json v = mine.Json();
    EXPECT_EQ(v["verdict"], c["expect"]) << what << ": " << mine.out << mine.err;
    EXPECT_EQ(mine.code, c["expect"] == "valid" ? 0 : c["expect"] == "expired" ? 12 : 10) << what;
    if (!c["failed_check"].is_null()) {
      EXPECT_EQ(v.value("failed_check", ""), c["failed_check"]) << what << ": " << mine.out;
      EXPECT_FALSE(v.contains("disclosed")) << what << ": no claim from a refused card";
    }
    // The JavaScript verifier reaches the same verdict for the same reason.
    auto theirs = NodeVerify(Slurp(dir / file), dir / "keys.json", {dir / "status.json"});
    EXPECT_EQ(theirs.Json()["verdict"], c["expect"]) << what << ": " << theirs.out;
    if (!c["failed_check"].is_null()) {
      EXPECT_EQ(theirs.Json()["failed_check"], c["failed_check"]) << what;
    }
  }
}

// The names and values verify_presentation.mjs reports are §10.4's (name, date_of_birth as
// YYYYMMDD, gender 1-3); `cityid verify --json` prints full_name, YYYY-MM-DD and M/F/X.
void ExpectSameDisclosure(const json& node_disclosed, const json& cityid_disclosed) {
  EXPECT_EQ(node_disclosed.size(), cityid_disclosed.size())
      << node_disclosed.dump() << " vs " << cityid_disclosed.dump();
  for (const auto& [name, value] : node_disclosed.items()) {
    if (name == "name") {
      EXPECT_EQ(value, cityid_disclosed.value("full_name", json())) << name;
    } else if (name == "date_of_birth") {
      std::string iso = cityid_disclosed.value("date_of_birth", "");
      iso.erase(std::remove(iso.begin(), iso.end(), '-'), iso.end());
      EXPECT_EQ(value, iso) << name;
    } else if (name == "gender") {
      const std::map<int, std::string> letters = {{1, "M"}, {2, "F"}, {3, "X"}};
      EXPECT_EQ(letters.at(value.get<int>()), cityid_disclosed.value("gender", "")) << name;
    } else {
      EXPECT_EQ(value, cityid_disclosed.value(name, json())) << name;
    }
  }
}

std::set<std::string> Names(const json& disclosed) {
  std::set<std::string> names;
  for (const auto& [name, value] : disclosed.items()) names.insert(name);
  return names;
}

TEST_F(InteropTest, JsVerifierChecksCityidPresentations) {
  const std::string card = IssueCard(data_, Example("applicant-jose.json"));
  ASSERT_FALSE(card.empty());
  const fs::path keys = ExportKeys(data_);
  const fs::path list = ExportStatusList(data_);
  auto mine_card = CityidVerify(Write("card.txt", card), keys, {});
  ASSERT_EQ(mine_card.code, 0) << mine_card.out << mine_card.err;
  const std::string number = mine_card.Json()["disclosed"]["card_number"];

  auto present = [&](const std::string& disclose) {
    auto p = Cityid({"--json", "present", "--data", data_.string(), "--card", number, "--disclose",
                     disclose},
                    tmp_);
    EXPECT_EQ(p.code, 0) << disclose << ": " << p.out << p.err;
    return p.Json().value("qr_payload", "");
  };

  // Two disclosure sets: each verifies, and shows exactly what was disclosed.
  struct Case {
    std::string disclose;
    std::set<std::string> names;  // §10.4 names verify_presentation.mjs reports
  };
  const std::vector<Case> cases = {
      {"age_over_21", {"age_over_21"}},
      {"name,date_of_birth,card_number,age_over_18,age_over_65",
       {"name", "date_of_birth", "card_number", "age_over_18", "age_over_65"}},
  };
  std::string over21;
  for (const auto& c : cases) {
    const std::string text = present(c.disclose);
    ASSERT_EQ(text.rfind("CP1:", 0), 0u) << text;
    if (over21.empty()) over21 = text;
    auto theirs = NodeVerifyPresentation(text, keys, {list});
    ASSERT_EQ(theirs.code, 0) << c.disclose << ": " << theirs.out << theirs.err;
    const json v = theirs.Json();
    EXPECT_EQ(v["verdict"], "valid");
    EXPECT_EQ(Names(v["disclosed"]), c.names) << v["disclosed"].dump();
    EXPECT_EQ(v["presentation"]["revocation"], "checked against status list 1") << v.dump();

    auto mine = CityidVerify(Write("presentation.txt", text), keys, {list});
    ASSERT_EQ(mine.code, 0) << mine.out << mine.err;
    EXPECT_EQ(mine.Json()["kind"], "presentation");
    ExpectSameDisclosure(v["disclosed"], mine.Json()["disclosed"]);
    EXPECT_EQ(v["presentation"]["key_id"], mine.Json()["key_id"]);
    EXPECT_EQ(v["presentation"]["expires_at"], mine.Json()["expires_at"]);
  }
  {
    const json v = NodeVerifyPresentation(present("name,date_of_birth"), keys, {list}).Json();
    EXPECT_EQ(v["disclosed"].value("name", ""), "José García") << v.dump();
    EXPECT_EQ(v["disclosed"].value("date_of_birth", ""), "19900412") << v.dump();
  }

  // A disclosed value changed: the name's bytes are only in the (unsigned) disclosure, so the
  // signature still verifies and the digest check must catch it.
  const std::string named = present("name,age_over_21");
  std::string cose = Base45Decode(named.substr(4));
  const size_t at = cose.find("Garc");
  ASSERT_NE(at, std::string::npos);
  cose[at] = 'H';
  const std::string tampered = "CP1:" + Base45Encode(cose);
  auto theirs = NodeVerifyPresentation(tampered, keys, {list});
  EXPECT_EQ(theirs.code, 10) << theirs.out << theirs.err;
  EXPECT_EQ(theirs.Json()["failed_check"], "bad-claims") << theirs.out;
  EXPECT_FALSE(theirs.Json().contains("disclosed")) << theirs.out;
  auto mine = CityidVerify(Write("tampered.txt", tampered), keys, {list});
  EXPECT_EQ(mine.code, 10) << mine.out;
  EXPECT_EQ(mine.Json()["failed_check"], "bad-claims") << mine.out;

  // One signature bit flipped (the signature is the last 64 bytes).
  cose = Base45Decode(named.substr(4));
  cose[cose.size() - 1] = static_cast<char>(cose[cose.size() - 1] ^ 0x01);
  theirs = NodeVerifyPresentation("CP1:" + Base45Encode(cose), keys, {list});
  EXPECT_EQ(theirs.code, 10) << theirs.out;
  EXPECT_EQ(theirs.Json()["failed_check"], "bad-signature") << theirs.out;

  // Another city's key set.
  const fs::path other = tmp_ / "other";
  ASSERT_EQ(Cityid({"init", "--data", other.string(), "--policy",
                    Source() + "/policies/new-york-points.toml"},
                   tmp_)
                .code,
            0);
  theirs = NodeVerifyPresentation(named, ExportKeys(other, "other-keys.json"), {});
  EXPECT_EQ(theirs.code, 10) << theirs.out;
  EXPECT_EQ(theirs.Json()["failed_check"], "unknown-key") << theirs.out;

  // A card is not a presentation (and the card verifier refuses a presentation).
  EXPECT_EQ(NodeVerifyPresentation(card, keys, {}).Json()["failed_check"], "bad-payload");
  EXPECT_EQ(NodeVerify(over21, keys, {}).code, 10);

  // Past the card's expiry: expired, still showing what was disclosed.
  auto later = NodeVerifyPresentation(over21, keys, {}, kTwentyYearsLater);
  EXPECT_EQ(later.code, 12) << later.out;
  EXPECT_EQ(later.Json()["verdict"], "expired");
  EXPECT_EQ(CityidVerify(Write("over21.txt", over21), keys, {}, kTwentyYearsLater).code, 12);

  // Revoked after the presentation was made: the card's status-list bit decides.
  auto revoke = Cityid({"revoke", "--data", data_.string(), "--card", number, "--reason", "stolen"}, tmp_);
  ASSERT_EQ(revoke.code, 0) << revoke.err;
  const fs::path revoked_list = ExportStatusList(data_, "status-after-revoke.json");
  auto revoked = NodeVerifyPresentation(over21, keys, {revoked_list});
  EXPECT_EQ(revoked.code, 11) << revoked.out << revoked.err;
  EXPECT_EQ(revoked.Json()["verdict"], "revoked");
  EXPECT_EQ(Names(revoked.Json()["disclosed"]), std::set<std::string>{"age_over_21"});
  EXPECT_EQ(CityidVerify(tmp_ / "over21.txt", keys, {revoked_list}).code, 11);
}

}  // namespace
