// End-to-end: the applicant's view of accesses to their record (issues 6 and 14), with the real
// `cityid serve` and CLI. A clerk (site city-hall) enrolls, a supervisor approves, the clerk
// issues the card and then reads the record with a reason; the applicant, with the access code
// from their enrollment receipt, sees over POST /api/v1/access-history that their record was
// read — role, site and reason — and never who (no user name, no staff id). Wrong credentials
// get one generic 401; `cityid history --code-stdin` shows the same at the counter.
//
// Issue 14 §1: everything a card's QR carries (number, names, date of birth, status-list index)
// opens nothing on any public endpoint, and the audit log an auditor reads or exports names no
// card number.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>

#include "core/ids.h"
#include "credential/card.h"
#include "crypto/sign.h"
#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

// Server and CLI run at 2026-11-25 12:00 UTC (the examples' date).
class HistoryE2eTest : public ServerTest {
 protected:
  HistoryE2eTest() : ServerTest("history", /*fixed_clock=*/true) {}

  struct Enrolled {
    std::string app_id, person_id, access_code, number, qr;
  };

  // Staff carla (clerk) and sam (supervisor) at city-hall, logged in.
  void Staff() {
    AddStaff("carla", "clerk", "city-hall");
    const cityid::Bytes sam_secret = AddStaff("sam", "supervisor", "city-hall");
    clerk_ = Login("carla", {});
    supervisor_ = Login("sam", sam_secret);
  }

  // examples/applicant-jose.json (without the photo) enrolled, approved and issued, then a read
  // with a reason.
  Enrolled EnrollIssueRead() {
    json applicant = json::parse(Slurp(Source() + "/examples/applicant-jose.json"));
    applicant.erase("photo");
    const json app = Post("/api/v1/applications", applicant, &clerk_, 201);
    EXPECT_TRUE(app.is_object() && app.contains("id") && app.contains("access_code")) << app.dump();
    Enrolled e;
    if (!app.is_object() || !app.contains("access_code")) return e;
    e.app_id = app["id"];
    e.person_id = app["person_id"];
    e.access_code = app["access_code"];
    Post("/api/v1/applications/" + e.app_id + "/approve", json::object(), &supervisor_, 200);
    const json card =
        Post("/api/v1/applications/" + e.app_id + "/issue", json::object(), &clerk_, 201);
    EXPECT_TRUE(card.contains("card_number")) << card.dump();
    if (!card.contains("card_number")) return e;
    e.number = card["card_number"];
    e.qr = card["qr_payload"];
    Post("/api/v1/persons/" + e.person_id + "/read", json{{"reason", "benefits office inquiry"}},
         &clerk_, 200);
    return e;
  }

  Session clerk_, supervisor_;
};

TEST_F(HistoryE2eTest, ApplicantSeesTheStaffReadWithRoleSiteAndReasonButNotWho) {
  Staff();
  const json me = json::parse(client_->Get("/api/v1/sessions/current", clerk_.Headers())->body);
  const std::string carla_id = me["staff"]["id"];
  ASSERT_FALSE(carla_id.empty());
  const Enrolled ana = EnrollIssueRead();
  ASSERT_FALSE(ana.number.empty());
  ASSERT_EQ(ana.access_code.size(), 19u) << ana.access_code;

  // The applicant, anonymously, with the access code from the receipt (typed in lower case).
  std::string typed = ana.access_code;
  std::transform(typed.begin(), typed.end(), typed.begin(), ::tolower);
  const json h = Post("/api/v1/access-history", json{{"access_code", typed}}, nullptr, 200);
  const std::string raw = h.dump();
  ASSERT_TRUE(h.contains("entries")) << raw;
  bool saw_read = false, saw_issue = false;
  for (const auto& e : h["entries"]) {
    EXPECT_FALSE(e.contains("actor")) << e.dump();
    if (e["action"] == "card.issue") saw_issue = e["description"]["en"] == "card issued";
    if (e["action"] == "person.read" && e["reason"] == "benefits office inquiry") {
      saw_read = true;
      EXPECT_EQ(e["description"]["en"], "record read");
      EXPECT_EQ(e["description"]["es"], "expediente consultado");
      EXPECT_EQ(e["role"], "clerk");
      EXPECT_EQ(e["site"], "city-hall");
      EXPECT_EQ(e["about"], "record");
    }
  }
  EXPECT_TRUE(saw_read) << raw;
  EXPECT_TRUE(saw_issue) << raw;
  EXPECT_EQ(h["entries"].back()["action"], "history.view");
  EXPECT_EQ(h["entries"].back()["role"], "applicant");
  // Never who: no user name, no staff id, no personal data.
  for (const std::string& secret :
       {std::string("carla"), std::string("sam"), carla_id, std::string("stf_"),
        std::string("García"), ana.person_id, ana.number}) {
    EXPECT_EQ(raw.find(secret), std::string::npos) << secret << " in " << raw;
  }

  // A wrong code and a random one: the same generic 401, byte for byte.
  std::string wrong = ana.access_code;
  wrong[0] = wrong[0] == 'A' ? 'B' : 'A';
  const json bad = Post("/api/v1/access-history", json{{"access_code", wrong}}, nullptr, 401);
  EXPECT_EQ(bad["type"], "https://cityid.example/problems/invalid-credentials");
  const auto body_for = [&](const std::string& code) {
    auto res = client_->Post("/api/v1/access-history", json{{"access_code", code}}.dump(),
                             "application/json");
    return res ? res->body : std::string("(no answer)");
  };
  EXPECT_EQ(body_for(wrong), body_for("AAAA-BBBB-CCCC-DDDD"));

  // The clerk at the counter: `cityid history --code-stdin` shows the same, logged as the clerk.
  const cityid::e2e::Run run =
      Cli({"--json", "--actor", "e2e-clerk", "history", "--data", data_, "--code-stdin"},
          ana.access_code + "\n");
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  const std::string& out = run.out;
  const json cli = json::parse(out, nullptr, false);
  ASSERT_TRUE(cli.is_object()) << out;
  bool cli_read = false;
  for (const auto& e : cli["entries"]) {
    cli_read = cli_read || (e["action"] == "person.read" && e["role"] == "clerk" &&
                            e["site"] == "city-hall" && e["reason"] == "benefits office inquiry");
  }
  EXPECT_TRUE(cli_read) << out;
  EXPECT_EQ(cli["entries"].back()["action"], "history.view");
  EXPECT_EQ(cli["entries"].back()["role"], "clerk");
  bool earlier_view = false;
  for (const auto& e : cli["entries"]) {
    earlier_view = earlier_view || (e["action"] == "history.view" && e["role"] == "applicant");
  }
  EXPECT_TRUE(earlier_view) << out;
  for (const char* secret : {"carla", "e2e-clerk", "stf_"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in " << out;
  }
  // The card number and date of birth are no longer options of the CLI either.
  EXPECT_EQ(Cli({"history", "--data", data_, "--card", ana.number, "--dob", "1990-04-12"}).code, 2);
  // Usage: nothing to open the history with.
  EXPECT_EQ(Cli({"history", "--data", data_}).code, 2);
  // A wrong code at the counter fails too, without saying more.
  const cityid::e2e::Run cli_bad = Cli({"history", "--data", data_, "--code-stdin"}, wrong + "\n");
  EXPECT_EQ(cli_bad.code, 6);  // permission: invalid-credentials
  EXPECT_NE(cli_bad.err.find("invalid-credentials"), std::string::npos) << cli_bad.err;
}

// `cityid enroll` prints the access code for the receipt (human and --json); a bulk import hands
// out none (nobody at the counter to take a receipt; staff issue one later).
TEST_F(HistoryE2eTest, CliEnrollPrintsTheAccessCodeAndABatchGivesNone) {
  json applicant = json::parse(Slurp(Source() + "/examples/applicant-jose.json"));
  applicant.erase("photo");
  { std::ofstream(tmp_ / "jose.json") << applicant.dump(); }
  const cityid::e2e::Run run =
      Cli({"--json", "enroll", "--data", data_, "--applicant", (tmp_ / "jose.json").string()});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  const json j = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(j.is_object() && j.contains("access_code")) << run.out;
  const std::string code = j["access_code"];
  ASSERT_EQ(code.size(), 19u) << code;
  const cityid::e2e::Run h =
      Cli({"--json", "history", "--data", data_, "--code-stdin"}, code + "\n");
  EXPECT_EQ(h.code, 0) << h.out << h.err;

  const cityid::e2e::Run human =
      Cli({"enroll", "--data", data_, "--applicant", (tmp_ / "jose.json").string()});
  ASSERT_EQ(human.code, 0) << human.out << human.err;
  EXPECT_NE(human.out.find("Access code for the applicant's receipt"), std::string::npos)
      << human.out;

  applicant["legal_name"]["given"] = "Josefa";
  { std::ofstream(tmp_ / "batch.jsonl") << applicant.dump() << "\n"; }
  const cityid::e2e::Run batch =
      Cli({"--json", "enroll", "--data", data_, "--batch", (tmp_ / "batch.jsonl").string()});
  ASSERT_EQ(batch.code, 0) << batch.out << batch.err;
  EXPECT_EQ(batch.out.find("access_code"), std::string::npos) << batch.out;
}

// Staff re-issue the code at the counter (API and CLI): the old one stops working, the new one
// opens the history, and the re-issue is in the log with the clerk as actor. Partners and
// auditors may not.
TEST_F(HistoryE2eTest, ACounterClerkReissuesTheCodeAndTheOldOneStopsWorking) {
  Staff();
  const Enrolled ana = EnrollIssueRead();
  ASSERT_FALSE(ana.access_code.empty());
  const json fresh =
      Post("/api/v1/applications/" + ana.app_id + "/access-code", json::object(), &clerk_, 201);
  ASSERT_TRUE(fresh.contains("access_code")) << fresh.dump();
  const std::string code = fresh["access_code"];
  EXPECT_NE(code, ana.access_code);
  Post("/api/v1/access-history", json{{"access_code", ana.access_code}}, nullptr, 401);
  const json h = Post("/api/v1/access-history", json{{"access_code", code}}, nullptr, 200);
  bool reissued = false;
  for (const auto& e : h["entries"]) {
    reissued = reissued || (e["action"] == "history.code_issue" && e["role"] == "clerk");
  }
  EXPECT_TRUE(reissued) << h.dump();

  AddStaff("pat", "partner", "city-hall");
  const Session partner = Login("pat", {});
  Post("/api/v1/applications/" + ana.app_id + "/access-code", json::object(), &partner, 403);
  Post("/api/v1/applications/app_doesnotexist000/access-code", json::object(), &clerk_, 404);

  // The CLI at the counter.
  const cityid::e2e::Run run =
      Cli({"--json", "access-code", "--data", data_, "--application", ana.app_id});
  ASSERT_EQ(run.code, 0) << run.out << run.err;
  const json cli = json::parse(run.out, nullptr, false);
  ASSERT_TRUE(cli.is_object() && cli.contains("access_code")) << run.out;
  Post("/api/v1/access-history", json{{"access_code", code}}, nullptr, 401);
  Post("/api/v1/access-history", json{{"access_code", cli["access_code"]}}, nullptr, 200);
}

// Issue 14 §1: someone who scans or photographs a card (a landlord, an employer) has everything
// its QR carries. With those values in every field of every public endpoint, nothing answers
// differently than for a card that was never issued, and nothing shows more than the verify
// answer (a verdict).
TEST_F(HistoryE2eTest, EverythingACardsQrCarriesOpensNoPublicEndpoint) {
  Staff();
  const Enrolled ana = EnrollIssueRead();
  ASSERT_FALSE(ana.qr.empty());

  // Decode the card as any verifier would, with the published keys.
  auto keys_res = client_->Get("/.well-known/cityid-keys");
  ASSERT_TRUE(keys_res && keys_res->status == 200);
  auto keys = cityid::crypto::PublicKeySet::FromJson(keys_res->body);
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  const cityid::credential::VerifyOutcome card =
      cityid::credential::VerifyCard(ana.qr, *keys, kNowSeconds, nullptr);
  ASSERT_TRUE(card.claims.has_value()) << card.failure.ToString();
  const cityid::credential::CardClaims& c = *card.claims;
  ASSERT_EQ(c.card_number, ana.number);

  // The holder's values and a stranger's: a well-formed number never issued, other names.
  using Values = std::map<std::string, std::string>;
  std::string other = ana.number.substr(0, 10) +
                      (ana.number[10] == '9' ? '0' : static_cast<char>(ana.number[10] + 1));
  other += static_cast<char>('0' + cityid::core::DammCheckDigit(other));
  const Values holder = {
      {"number", c.card_number},  {"formatted", cityid::core::FormatCardNumber(c.card_number)},
      {"full", c.full_name},      {"given", c.given_name},
      {"family", c.family_name},  {"dob", c.date_of_birth.ToString()},
      {"list", c.status_list_id}, {"index", std::to_string(c.status_index)}};
  const Values stranger = {
      {"number", other},          {"formatted", cityid::core::FormatCardNumber(other)},
      {"full", "Zed Nobody"},     {"given", "Zed"},
      {"family", "Nobody"},       {"dob", "1971-07-07"},
      {"list", c.status_list_id}, {"index", std::to_string((c.status_index + 7) % 1000)}};

  struct Answer {
    int status = 0;
    std::string body;
  };
  // Every public route, with the card's values in every field it takes. `varies`: the answer
  // may differ run to run whatever the input (counters, a new booking), so only the status is
  // compared.
  struct Call {
    std::string name;
    bool varies;
    std::function<httplib::Result(const Values&)> send;
  };
  auto get = [this](std::string path) { return client_->Get(path); };
  auto post = [this](std::string path, const json& body) {
    return client_->Post(path, body.dump(), "application/json");
  };
  auto all_fields = [](const Values& v) {
    return v.at("number") + " " + v.at("full") + " " + v.at("dob");
  };
  const std::vector<Call> calls = {
      {"healthz", true, [&](const Values& v) { return get("/healthz?card=" + v.at("number")); }},
      {"readyz", true, [&](const Values& v) { return get("/readyz?card=" + v.at("number")); }},
      {"metrics", true, [&](const Values& v) { return get("/metrics?card=" + v.at("number")); }},
      {"keys", false,
       [&](const Values& v) { return get("/.well-known/cityid-keys?card=" + v.at("number")); }},
      {"openapi", false,
       [&](const Values& v) { return get("/api/v1/openapi.json?card=" + v.at("number")); }},
      {"policy", false, [&](const Values& v) { return get("/api/v1/policy?dob=" + v.at("dob")); }},
      {"status list", false,
       [&](const Values& v) { return get("/api/v1/status-lists/" + v.at("list")); }},
      // The verdict depends on the dates given (not on any record): status compared only.
      {"policy evaluate", true,
       [&](const Values& v) {
         return post("/api/v1/policy/evaluate",
                     json{{"documents", json::array({json{{"type", "foreign_passport"},
                                                          {"has_number", true},
                                                          {"issued", v.at("dob")},
                                                          {"expires", "2030-01-01"}}})},
                          {"date", "2026-11-25"}});
       }},
      {"sites", false, [&](const Values& v) { return get("/api/v1/sites?q=" + v.at("family")); }},
      {"slots", false,
       [&](const Values& v) { return get("/api/v1/sites/" + v.at("number") + "/slots"); }},
      {"login by number", false,
       [&](const Values& v) {
         return post("/api/v1/sessions", json{{"user", v.at("number")}, {"password", v.at("dob")}});
       }},
      {"login by name", false,
       [&](const Values& v) {
         return post("/api/v1/sessions", json{{"user", v.at("given")}, {"password", v.at("dob")}});
       }},
      {"booking by number", false,
       [&](const Values& v) {
         return client_->Get("/api/v1/appointments/" + v.at("number").substr(0, 8),
                             httplib::Headers{{"X-Booking-PIN", v.at("dob")}});
       }},
      {"booking move", false,
       [&](const Values& v) {
         return client_->Post("/api/v1/appointments/" + v.at("number").substr(4, 8) + "/move",
                              httplib::Headers{{"X-Booking-PIN", v.at("number").substr(0, 8)}},
                              json{{"slot", "2026-12-01T14:00:00Z"}}.dump(), "application/json");
       }},
      {"booking cancel", false,
       [&](const Values& v) {
         return client_->Post("/api/v1/appointments/" + v.at("family") + "/cancel",
                              httplib::Headers{{"X-Booking-PIN", v.at("dob")}}, "{}",
                              "application/json");
       }},
      {"book with the holder's values", false,
       [&](const Values& v) {
         return post("/api/v1/appointments", json{{"site", v.at("number")},
                                                  {"slot", "2026-12-01T14:00:00Z"},
                                                  {"name", v.at("full")},
                                                  {"contact", v.at("dob")},
                                                  {"language", "en"}});
       }},
      {"history by card and date of birth", false,
       [&](const Values& v) {
         return post("/api/v1/access-history",
                     json{{"card_number", v.at("number")}, {"date_of_birth", v.at("dob")}});
       }},
      {"history by formatted number", false,
       [&](const Values& v) {
         return post("/api/v1/access-history",
                     json{{"card_number", v.at("formatted")}, {"date_of_birth", v.at("dob")}});
       }},
      {"history code = number", false,
       [&](const Values& v) {
         return post("/api/v1/access-history", json{{"access_code", v.at("number")}});
       }},
      {"history code = number + year", false,
       [&](const Values& v) {
         return post("/api/v1/access-history",
                     json{{"access_code", v.at("number") + v.at("dob").substr(0, 4)}});
       }},
      {"history code = everything", false,
       [&](const Values& v) {
         return post("/api/v1/access-history", json{{"access_code", all_fields(v)}});
       }},
      {"history reference = number, pin = date of birth", false,
       [&](const Values& v) {
         return post("/api/v1/access-history",
                     json{{"reference", v.at("number").substr(0, 8)}, {"pin", v.at("dob")}});
       }},
      {"history reference = name", false,
       [&](const Values& v) {
         return post("/api/v1/access-history",
                     json{{"reference", v.at("family")}, {"pin", v.at("number")}});
       }},
  };

  // Answers with each value replaced by its name, so echoed input compares equal. Both
  // people's values are masked in both answers: a value of one that happens to stand as a
  // token in text both get (a stranger's status index 365, and the policy's "365 days") must
  // be masked in both or neither.
  auto ask = [&](const Call& call, const Values& v) {
    auto res = call.send(v);
    Answer a;
    if (!res) return a;
    a.status = res->status;
    a.body = res->body;
    std::vector<std::pair<std::string, std::string>> by_length(holder.begin(), holder.end());
    by_length.insert(by_length.end(), stranger.begin(), stranger.end());
    std::sort(by_length.begin(), by_length.end(),
              [](const auto& x, const auto& y) { return x.second.size() > y.second.size(); });
    // Whole tokens only: a short value (the status index, say 255) must not be masked inside
    // unrelated text ("Ed25519"), or two equal answers would compare different.
    auto alnum = [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) != 0; };
    for (const auto& [name, value] : by_length) {
      if (value.size() < 3) continue;
      for (size_t at = a.body.find(value); at != std::string::npos; at = a.body.find(value, at)) {
        const size_t end = at + value.size();
        if ((at > 0 && alnum(a.body[at - 1])) || (end < a.body.size() && alnum(a.body[end]))) {
          at = end;
          continue;
        }
        a.body.replace(at, value.size(), "<" + name + ">");
        at += name.size() + 2;
      }
    }
    return a;
  };
  // What no public answer may hold: the holder's ids, their code, what the log says of them.
  const std::vector<std::string> never = {ana.person_id,     ana.app_id, ana.access_code,
                                          "benefits office", "carla",    "crd_"};
  for (const Call& call : calls) {
    const Answer mine = ask(call, holder);
    const Answer theirs = ask(call, stranger);
    ASSERT_NE(mine.status, 0) << call.name;
    // A rate limit would answer both the same and hide the comparison.
    EXPECT_NE(mine.status, 429) << call.name << ": " << mine.body;
    EXPECT_EQ(mine.status, theirs.status) << call.name << "\n" << mine.body << "\n" << theirs.body;
    if (!call.varies) {
      EXPECT_EQ(mine.body, theirs.body) << call.name;
    }
    for (const auto& s : never) {
      EXPECT_EQ(mine.body.find(s), std::string::npos) << call.name << ": " << s;
    }
    if (call.name.starts_with("history")) {
      EXPECT_GE(mine.status, 400) << call.name << ": " << mine.body;
    }
  }

  // The baseline: verify answers a verdict and nothing about the holder.
  const json v = Post("/api/v1/verify", json{{"payload", ana.qr}}, nullptr, 200);
  EXPECT_EQ(v["verdict"], "valid");
  for (const auto& s : never) EXPECT_EQ(v.dump().find(s), std::string::npos) << s;
  EXPECT_EQ(v.dump().find(c.full_name), std::string::npos);
}

// An auditor reads every subject of the log (API) or exports it (CLI): no card number may be
// there, or the log would list every card.
TEST_F(HistoryE2eTest, TheAuditLogAnAuditorSeesNamesNoCardNumber) {
  Staff();
  const Enrolled ana = EnrollIssueRead();
  ASSERT_FALSE(ana.number.empty());
  std::vector<std::string> numbers = {ana.number};
  const json renewed = Post("/api/v1/cards/" + ana.number + "/renew", json::object(), &clerk_, 201);
  ASSERT_TRUE(renewed.contains("card_number")) << renewed.dump();
  numbers.push_back(renewed["card_number"]);
  const json replaced =
      Post("/api/v1/cards/" + numbers.back() + "/replace", json{{"reason", "lost"}}, &clerk_, 201);
  ASSERT_TRUE(replaced.contains("card_number")) << replaced.dump();
  numbers.push_back(replaced["card_number"]);
  Post("/api/v1/cards/" + numbers.back() + "/revoke", json{{"reason", "fraud"}}, &supervisor_, 200);

  const cityid::Bytes audit_secret = AddStaff("aud", "auditor");
  const Session auditor = Login("aud", audit_secret);
  const json entries = Get("/api/v1/audit/entries?from=0&limit=1000", auditor, 200);
  ASSERT_TRUE(entries.contains("entries")) << entries.dump();
  int card_entries = 0;
  for (const auto& e : entries["entries"]) {
    const std::string action = e.value("action", "");
    if (action.starts_with("card.")) {
      ++card_entries;
      EXPECT_TRUE(e["subject"].get<std::string>().starts_with("crd_")) << e.dump();
    }
  }
  EXPECT_GE(card_entries, 6) << entries.dump();  // 3 issued, renew, replace, revoke
  const std::string api_text = entries.dump();

  const std::string out_entries = (tmp_ / "entries.jsonl").string();
  const std::string out_heads = (tmp_ / "heads.json").string();
  ASSERT_EQ(Cli({"audit", "head", "--data", data_}).code, 0);
  const cityid::e2e::Run x = Cli(
      {"audit", "export", "--data", data_, "--entries", out_entries, "--tree-heads", out_heads});
  ASSERT_EQ(x.code, 0) << x.out << x.err;
  const std::string exported = Slurp(out_entries);
  ASSERT_NE(exported.find("card.issue"), std::string::npos) << exported;
  for (const auto& n : numbers) {
    const std::string formatted = cityid::core::FormatCardNumber(n);
    EXPECT_EQ(api_text.find(n), std::string::npos) << n;
    EXPECT_EQ(exported.find(n), std::string::npos) << n;
    EXPECT_EQ(exported.find(formatted), std::string::npos) << formatted;
  }
  // And the export still verifies.
  const cityid::e2e::Run verify = Cli({"audit", "verify", "--data", data_});
  EXPECT_EQ(verify.code, 0) << verify.out << verify.err;
}

}  // namespace
