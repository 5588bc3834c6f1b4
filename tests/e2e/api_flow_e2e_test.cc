// End-to-end: the real `cityid serve` on a free port, staff made with the real
// `cityid staff add --password-stdin`, driven over HTTP:
//  - the enrollment flow: a clerk records an application (photo as base64), a supervisor (TOTP)
//    approves, the clerk issues, anyone verifies (valid), the supervisor revokes, verify says
//    revoked and the signed status list has the card's bit set; an auditor reads the audit head
//    but may not read a person's record;
//  - the malformed-request corpus (tests/e2e/malformed_requests.json) sent to every route: each
//    answer is a 4xx problem+json, never a 5xx, never a dropped connection.
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "credential/status_list.h"
#include "crypto/sign.h"
#include "server_harness.h"

namespace {

using namespace cityid::e2e;  // NOLINT(build/namespaces): the harness is this test's vocabulary
using nlohmann::json;

// The server runs at the examples' date (2026-11-25 12:00 UTC) so their documents are current;
// TOTP codes are computed for the same instant.
class ApiFlowE2eTest : public ServerTest {
 protected:
  ApiFlowE2eTest() : ServerTest("api", /*fixed_clock=*/true) {}
};

TEST_F(ApiFlowE2eTest, ClerkEnrollsSupervisorApprovesClerkIssuesVerifyThenRevoke) {
  EXPECT_TRUE(AddStaff("carla", "clerk").empty());
  const cityid::Bytes sam_secret = AddStaff("sam", "supervisor");
  ASSERT_EQ(sam_secret.size(), cityid::auth::kTotpSecretBytes);
  AddStaff("audrey", "auditor");
  const Session clerk = Login("carla", {});
  const Session supervisor = Login("sam", sam_secret);
  const Session auditor = Login("audrey", {});

  // The clerk records the applicant of examples/applicant-jose.json, photo as base64.
  json applicant = json::parse(Slurp(Source() + "/examples/applicant-jose.json"));
  const std::string png = Slurp(Source() + "/examples/portrait.png");
  applicant["photo"] = cityid::Base64Encode(cityid::ByteView(
      reinterpret_cast<const uint8_t*>(png.data()), png.size()));
  const json app = Post("/api/v1/applications", applicant, &clerk, 201);
  ASSERT_TRUE(app.is_object());
  EXPECT_EQ(app["state"], "documents_checked");
  EXPECT_TRUE(app["evaluation"]["satisfied"].get<bool>());
  EXPECT_EQ(app["flagged_for_review"], false);
  EXPECT_FALSE(app.contains("duplicates"));  // the pair is for supervisors only
  const std::string app_id = app["id"], person_id = app["person_id"];

  // The application as staff see it carries no personal data.
  auto shown = client_->Get("/api/v1/applications/" + app_id, clerk.Headers());
  ASSERT_TRUE(shown);
  EXPECT_EQ(shown->status, 200);
  for (const char* personal : {"García", "Garcia", "1990-04-12", "Grand Ave", "G12345678"}) {
    EXPECT_EQ(shown->body.find(personal), std::string::npos) << personal;
  }
  // The supervisor's queue has it; a clerk cannot approve; the supervisor does.
  const json queue = Get("/api/v1/applications?state=documents_checked", supervisor, 200);
  ASSERT_EQ(queue["applications"].size(), 1u);
  EXPECT_EQ(queue["applications"][0]["id"], app_id);
  EXPECT_EQ(Post("/api/v1/applications/" + app_id + "/approve", json::object(), &clerk, 403)["type"],
            "https://cityid.example/problems/role-not-allowed");
  EXPECT_EQ(Post("/api/v1/applications/" + app_id + "/approve", json::object(), &supervisor, 200)["state"],
            "approved");

  // The clerk issues: card number and QR payload.
  const json card = Post("/api/v1/applications/" + app_id + "/issue", json::object(), &clerk, 201);
  ASSERT_TRUE(card.is_object());
  const std::string number = card["card_number"], qr = card["qr_payload"];
  EXPECT_EQ(number.size(), 12u);
  EXPECT_EQ(Get("/api/v1/cards/" + number, clerk, 200)["state"], "active");

  // Anyone verifies: valid, status only.
  json v = Post("/api/v1/verify", json{{"payload", qr}}, nullptr, 200);
  EXPECT_EQ(v["verdict"], "valid");
  EXPECT_EQ(v["revocation"], "checked");
  EXPECT_EQ(v.dump().find("García"), std::string::npos);

  // The supervisor revokes (a reason is required); verify now says revoked.
  Post("/api/v1/cards/" + number + "/revoke", json::object(), &supervisor, 400);
  const json revoked = Post("/api/v1/cards/" + number + "/revoke", json{{"reason", "reported stolen"}},
                            &supervisor, 200);
  EXPECT_EQ(revoked["state"], "revoked");
  v = Post("/api/v1/verify", json{{"payload", qr}}, nullptr, 200);
  EXPECT_EQ(v["verdict"], "revoked");
  EXPECT_EQ(v["reason"], "card-revoked");

  // ...and the signed status list, checked against the published keys, has the card's bit set.
  const std::string list_id = revoked["status_list"]["id"];
  const uint32_t index = revoked["status_list"]["index"];
  auto keys_res = client_->Get("/.well-known/cityid-keys");
  auto list_res = client_->Get("/api/v1/status-lists/" + list_id);
  ASSERT_TRUE(keys_res && list_res);
  ASSERT_EQ(list_res->status, 200) << list_res->body;
  auto keys = cityid::crypto::PublicKeySet::FromJson(keys_res->body);
  ASSERT_TRUE(keys.ok());
  auto list = cityid::credential::StatusList::FromSignedJson(list_res->body, *keys, kNowSeconds);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->IsSet(index));

  // Reading the record needs a reason and is logged; the auditor may see the log, not the record.
  Post("/api/v1/persons/" + person_id + "/read", json::object(), &clerk, 400);
  // A reason the applicant's history would show reversed (a right-to-left override) is refused.
  const json spoofed = Post("/api/v1/persons/" + person_id + "/read",
                            json{{"reason", "routine check \u202Enoitagitsevni duarf\u202C"}},
                            &clerk, 400);
  EXPECT_EQ(spoofed["type"], "https://cityid.example/problems/invalid-argument") << spoofed;
  const json record = Post("/api/v1/persons/" + person_id + "/read",
                           json{{"reason", "applicant at the counter asked to check the address"}},
                           &clerk, 200);
  EXPECT_EQ(record["record"]["legal_name"]["family"], "García");
  EXPECT_FALSE(record["record"].contains("card_seeds"));
  const json head = Get("/api/v1/audit/head", auditor, 200);
  EXPECT_GT(head["entries"].get<int64_t>(), 5);
  const json entries = Get("/api/v1/audit/entries?from=0&limit=1000", auditor, 200);
  std::set<std::string> actions;
  for (const auto& e : entries["entries"]) actions.insert(e["action"].get<std::string>());
  for (const char* a : {"application.enroll", "application.approve", "card.issue", "card.revoke",
                        "person.read"}) {
    EXPECT_TRUE(actions.count(a)) << a;
  }
  const json denied = Post("/api/v1/persons/" + person_id + "/read",
                           json{{"reason", "curious"}}, &auditor, 403);
  EXPECT_EQ(denied["type"], "https://cityid.example/problems/role-not-allowed");
  EXPECT_EQ(Get("/api/v1/applications/" + app_id, auditor, 403)["type"],
            "https://cityid.example/problems/role-not-allowed");
}

// Every route of the OpenAPI document gets the corpus's generic malformations (bad JSON, wrong
// types, unknown fields, invalid UTF-8, oversized bodies, path traversal and SQL metacharacters
// in ids) and its own cases (SQL metacharacters in every string field of a valid-looking body,
// wrong types, missing fields). Each answer must be a 4xx problem+json.
TEST_F(ApiFlowE2eTest, MalformedRequestCorpusGets4xxProblemJsonOnEveryRoute) {
  const cityid::Bytes ada_secret = AddStaff("ada", "admin");
  const Session admin = Login("ada", ada_secret);
  ASSERT_FALSE(admin.csrf.empty());
  const json corpus = json::parse(Slurp(Source() + "/tests/e2e/malformed_requests.json"));
  const json openapi = json::parse(Slurp(Source() + "/src/http/openapi.json"));
  const json& generic = corpus["generic"];

  const int64_t audit_before = Get("/api/v1/audit/head", admin, 200)["entries"].get<int64_t>();
  std::map<std::string, int> sent;  // "METHOD pattern" -> malformed requests sent
  int checked = 0;
  auto send = [&](const std::string& what, const std::string& method, const std::string& pattern,
                  const std::string& path, const std::string& body, const std::string& type,
                  bool with_session, const httplib::Headers& extra) {
    httplib::Headers h = with_session ? admin.Headers() : httplib::Headers{};
    for (const auto& kv : extra) h.erase(kv.first);  // the corpus's header replaces ours
    for (const auto& kv : extra) h.insert(kv);
    httplib::Result res = method == "GET"      ? client_->Get(path, h)
                          : method == "DELETE" ? client_->Delete(path, h, body, type)
                                               : client_->Post(path, h, body, type);
    ++checked;
    sent[method + " " + pattern]++;
    ASSERT_TRUE(res) << what << ": " << method << " " << path << ": connection dropped ("
                     << httplib::to_string(res.error()) << ")";
    EXPECT_GE(res->status, 400) << what << ": " << method << " " << path << ": " << res->body;
    EXPECT_LT(res->status, 500) << what << ": " << method << " " << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json")
        << what << ": " << method << " " << path;
    EXPECT_FALSE(ProblemType(res).empty()) << what << ": " << path << ": " << res->body;
  };
  auto body_of = [](const json& item) -> std::string {
    if (item.contains("body_base64")) {
      auto b = cityid::Base64Decode(item["body_base64"].get<std::string>());
      EXPECT_TRUE(b.ok());
      return b.ok() ? std::string(b->begin(), b->end()) : "";
    }
    if (item.contains("json")) return item["json"].dump();
    return item.value("body", "");
  };
  auto headers_of = [](const json& item) {
    httplib::Headers h;
    if (item.contains("headers")) {
      for (auto it = item["headers"].begin(); it != item["headers"].end(); ++it) {
        h.emplace(it.key(), it.value().get<std::string>());
      }
    }
    return h;
  };
  // A pattern with every {param} replaced by `value`.
  auto fill = [](std::string p, const std::string& value) {
    for (size_t at; (at = p.find('{')) != std::string::npos;) {
      p.replace(at, p.find('}', at) - at + 1, value);
    }
    return p;
  };
  const std::string valid_id = generic["valid_looking_id"];

  for (auto it = openapi["paths"].begin(); it != openapi["paths"].end(); ++it) {
    const std::string pattern = it.key();
    for (auto m = it.value().begin(); m != it.value().end(); ++m) {
      std::string method = m.key();
      for (auto& ch : method) ch = static_cast<char>(std::toupper(ch));
      if (method == "DELETE" && pattern == "/api/v1/sessions/current") continue;  // logout
      const bool has_param = pattern.find('{') != std::string::npos;
      if (has_param) {
        for (const auto& bad : generic["path_ids"]) {
          send("path id " + bad.get<std::string>(), method, pattern, fill(pattern, bad), "{}",
               "application/json", true, {});
        }
      }
      if (method != "POST") continue;
      const std::string path = fill(pattern, valid_id);
      for (const auto& item : generic["bodies"]) {
        send(item["name"].get<std::string>(), method, pattern, path, body_of(item),
             item.value("content_type", "application/json"), true, {});
      }
      send("oversized body", method, pattern, path,
           "{\"x\":\"" + std::string(generic["oversized_bytes"].get<size_t>(), 'a') + "\"}",
           "application/json", true, {});
    }
  }

  // Route-specific cases; with "sql_in_every_string": one request per string leaf of the body,
  // that leaf replaced by each SQL payload.
  std::function<void(json&, std::vector<json*>&)> leaves = [&](json& j, std::vector<json*>& out) {
    if (j.is_string()) out.push_back(&j);
    if (j.is_structured()) {
      for (auto& child : j) leaves(child, out);
    }
  };
  for (const auto& item : corpus["requests"]) {
    const std::string method = item["method"], pattern = item["route"];
    const std::string path = item.value("path", fill(pattern, valid_id));
    const bool with_session = item.value("auth", "admin") == "admin";
    const std::string type = item.value("content_type", "application/json");
    send(item["name"].get<std::string>(), method, pattern, path, body_of(item), type, with_session,
         headers_of(item));
    if (item.value("sql_in_every_string", false)) {
      json copy = item["json"];
      std::vector<json*> strings;
      leaves(copy, strings);
      ASSERT_FALSE(strings.empty()) << item["name"];
      for (json* leaf : strings) {
        const json original = *leaf;
        for (const auto& payload : generic["sql_payloads"]) {
          *leaf = payload;
          send(item["name"].get<std::string>() + " with SQL " + payload.get<std::string>(), method,
               pattern, path, copy.dump(), type, with_session, headers_of(item));
        }
        *leaf = original;
      }
    }
  }

  // Every route that takes input (a body or a parameter) got malformed requests.
  for (auto it = openapi["paths"].begin(); it != openapi["paths"].end(); ++it) {
    for (auto m = it.value().begin(); m != it.value().end(); ++m) {
      std::string method = m.key();
      for (auto& ch : method) ch = static_cast<char>(std::toupper(ch));
      const bool takes_input = method == "POST" || it.key().find('{') != std::string::npos;
      if (!takes_input || (method == "DELETE" && it.key() == "/api/v1/sessions/current")) continue;
      EXPECT_GT(sent[method + " " + it.key()], 0) << "no malformed request for " << method << " "
                                                   << it.key();
    }
  }
  // ...and so did each route that reads query parameters.
  for (const char* route : {"GET /api/v1/applications", "GET /api/v1/audit/entries",
                            "GET /api/v1/reports/transparency"}) {
    EXPECT_GT(sent[route], 2) << route;
  }
  EXPECT_GT(checked, 300);
  // The server is still up, the session still valid, the store still answering.
  auto health = client_->Get("/healthz");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  // Nothing was written: not one audit entry more than before the corpus.
  EXPECT_EQ(Get("/api/v1/audit/head", admin, 200)["entries"].get<int64_t>(), audit_before);
  EXPECT_TRUE(Get("/api/v1/applications", admin, 200)["applications"].empty());
}

}  // namespace
