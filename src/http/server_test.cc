#include "http/server.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "core/workflow.h"
#include "credential/card.h"
#include "credential/status_list.h"
#include "http/openapi_json.h"
#include "http/problem.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::http {
namespace {

using nlohmann::json;
constexpr UnixSeconds kNow = 1795608000;  // 2026-11-25 12:00 UTC

TEST(ProblemTest, MapsCatalogueToHttpStatus) {
  EXPECT_EQ(HttpStatusFor(Error(ErrorId::kMalformedJson, "")), 400);
  EXPECT_EQ(HttpStatusFor(Error(ErrorId::kCardNotFound, "")), 404);
  EXPECT_EQ(HttpStatusFor(Error(ErrorId::kInvalidTransition, "")), 409);
  EXPECT_EQ(HttpStatusFor(Error(ErrorId::kPayloadTooLarge, "")), 413);
  EXPECT_EQ(HttpStatusFor(Error(ErrorId::kInternal, "")), 500);
  const json p = json::parse(ProblemJson(Error(ErrorId::kInternal, "secret detail"), 500));
  EXPECT_EQ(p["type"], "https://cityid.example/problems/internal");
  EXPECT_EQ(p["detail"].get<std::string>().find("secret"), std::string::npos);
}

TEST(OpenApiTest, EveryRouteIsDocumentedAndNothingElse) {
  const json doc = json::parse(kOpenApiJson);
  EXPECT_EQ(doc["openapi"], "3.1.0");
  std::set<std::string> documented;
  for (auto it = doc["paths"].begin(); it != doc["paths"].end(); ++it) {
    for (auto m = it.value().begin(); m != it.value().end(); ++m) {
      std::string method = m.key();
      for (auto& c : method) c = static_cast<char>(std::toupper(c));
      documented.insert(method + " " + it.key());
    }
  }
  std::set<std::string> served;
  for (const auto& r : Server::Routes()) served.insert(r.method + " " + r.pattern);
  EXPECT_EQ(served, documented);
}

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() / ("cityid-http-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    keys_ = std::move(crypto::Keyring::Create((dir_ / "keys").string(), rng_)).value();
    store_ = std::move(store::OpenSqliteStore(":memory:")).value();
    policy_ = std::make_unique<policy::Policy>(std::move(
        policy::Policy::Load(std::string(CITYID_TEST_SOURCE_DIR) + "/policies/new-york-points.toml")).value());
    names_ = std::move(dedup::NameNormalizer::Create()).value();
    ctx_ = std::make_unique<core::Context>(core::Context{*store_, *keys_, *policy_, *names_, clock_, rng_});
    ServerConfig config;
    config.port = 0;
    config.status_refresh_seconds = 0;  // see revocations at once in tests
    server_ = std::move(Server::Create(config, *store_, *keys_, *policy_, clock_)).value();
    port_ = *server_->Bind();
    thread_ = std::thread([this] { (void)server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  }
  void TearDown() override {
    server_->Stop();
    thread_.join();
    std::filesystem::remove_all(dir_);
  }

  std::string IssueCard(std::string* number = nullptr) {
    core::ApplicantInput in;
    in.legal_name = {"Ana", "Lopez"};
    in.date_of_birth = {1990, 4, 12};
    in.documents.push_back({"foreign_passport", "P1", std::nullopt, Date{2030, 1, 1}});
    in.documents.push_back({"utility_bill", "", Date{2026, 11, 1}, std::nullopt});
    core::Actor clerk{"c", core::Role::kClerk, ""}, sup{"s", core::Role::kSupervisor, ""};
    auto e = core::Enroll(*ctx_, in, clerk);
    EXPECT_TRUE(core::Approve(*ctx_, e->application_id, sup, "ok").ok());
    auto c = core::Issue(*ctx_, e->application_id, clerk);
    if (number) *number = c->card_number;
    return c->qr_text;
  }

  json PostJson(const std::string& path, const std::string& body, int expect_status) {
    auto res = client_->Post(path.c_str(), body, "application/json");
    EXPECT_TRUE(res) << path;
    if (!res) return json();
    EXPECT_EQ(res->status, expect_status) << res->body;
    if (res->status >= 400) {
      EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json");
    }
    return json::parse(res->body, nullptr, false);
  }

  std::filesystem::path dir_;
  SeededRng rng_{5};
  FixedClock clock_{kNow};
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<policy::Policy> policy_;
  std::unique_ptr<dedup::NameNormalizer> names_;
  std::unique_ptr<core::Context> ctx_;
  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::thread thread_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(ServerTest, HealthReadyMetricsAndKeys) {
  auto h = client_->Get("/healthz");
  ASSERT_TRUE(h);
  EXPECT_EQ(h->status, 200);
  EXPECT_EQ(client_->Get("/readyz")->status, 200);
  auto k = client_->Get("/.well-known/cityid-keys");
  ASSERT_EQ(k->status, 200);
  EXPECT_EQ(k->get_header_value("Cache-Control"), "public, max-age=3600");
  EXPECT_TRUE(crypto::PublicKeySet::FromJson(k->body).ok());
  auto m = client_->Get("/metrics");
  EXPECT_NE(m->body.find("cityid_http_requests_total{route=\"/healthz\",code=\"200\"} 1"),
            std::string::npos) << m->body;
  EXPECT_EQ(json::parse(client_->Get("/api/v1/openapi.json")->body)["openapi"], "3.1.0");
}

TEST_F(ServerTest, VerifyReturnsStatusOnlyAndSeesRevocation) {
  std::string number;
  const std::string qr = IssueCard(&number);
  json v = PostJson("/api/v1/verify", json{{"payload", qr}}.dump(), 200);
  EXPECT_EQ(v["verdict"], "valid");
  EXPECT_EQ(v["revocation"], "checked");
  EXPECT_FALSE(v.contains("disclosed"));
  EXPECT_EQ(v.dump().find("Lopez"), std::string::npos);
  core::Actor sup{"s", core::Role::kSupervisor, ""};
  ASSERT_TRUE(core::Revoke(*ctx_, number, sup, "stolen").ok());
  v = PostJson("/api/v1/verify", json{{"payload", qr}}.dump(), 200);
  EXPECT_EQ(v["verdict"], "revoked");
  std::string bad = qr;
  bad[bad.size() / 2] = bad[bad.size() / 2] == 'A' ? 'B' : 'A';
  v = PostJson("/api/v1/verify", json{{"payload", bad}}.dump(), 200);
  EXPECT_EQ(v["verdict"], "invalid");
}

TEST_F(ServerTest, StatusListIsSignedAndCacheable) {
  IssueCard();
  auto r = client_->Get("/api/v1/status-lists/1");
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Cache-Control"), "public, max-age=300");
  EXPECT_TRUE(credential::StatusList::FromSignedJson(r->body, keys_->PublicKeys(policy_->issuer()), kNow).ok());
  EXPECT_EQ(client_->Get("/api/v1/status-lists/99")->status, 404);
  EXPECT_EQ(client_->Get("/api/v1/status-lists/..%2F..%2Fetc")->status, 404);  // never a file path
  EXPECT_EQ(client_->Get("/api/v1/status-lists/a%20b")->status, 400);
}

TEST_F(ServerTest, EvaluateExplainsWithoutStoring) {
  json e = PostJson("/api/v1/policy/evaluate",
                    R"({"documents":[{"type":"foreign_passport","expires":"2030-01-01"}]})", 200);
  EXPECT_FALSE(e["satisfied"].get<bool>());
  EXPECT_FALSE(e["missing"].empty());
  auto p = client_->Get("/api/v1/policy");
  EXPECT_EQ(p->status, 200);
}

TEST_F(ServerTest, MalformedRequestsGetProblemJson4xx) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"/api/v1/verify", "{"},
      {"/api/v1/verify", "[]"},
      {"/api/v1/verify", R"({"payload": 5})"},
      {"/api/v1/verify", R"({"payload": "x", "extra": 1})"},
      {"/api/v1/verify", "{\"payload\": \"\xff\xfe\"}"},
      {"/api/v1/verify", R"({})"},
      {"/api/v1/policy/evaluate", R"({"documents": "x"})"},
      {"/api/v1/policy/evaluate", R"({"documents": [{"type": "lease", "issued": "2026-02-30"}]})"},
      {"/api/v1/policy/evaluate", R"({"documents": [{"type": "lease", "country": "MX"}]})"},
      {"/api/v1/policy/evaluate", R"({"documents": [{"type": "' OR 1=1; --"}]})"},
  };
  for (const auto& [path, body] : bad) {
    auto res = client_->Post(path.c_str(), body, "application/json");
    ASSERT_TRUE(res);
    if (body.find("OR 1=1") != std::string::npos) {
      EXPECT_EQ(res->status, 200);  // an unknown type is simply not accepted
      continue;
    }
    EXPECT_GE(res->status, 400) << body;
    EXPECT_LT(res->status, 500) << body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/problem+json") << body;
  }
  auto wrong_type = client_->Post("/api/v1/verify", "payload=x", "application/x-www-form-urlencoded");
  EXPECT_EQ(wrong_type->status, 400);
  auto big = client_->Post("/api/v1/verify", std::string(200 * 1024, 'a'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  auto missing = client_->Get("/api/v1/nope");
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(missing->get_header_value("Content-Type"), "application/problem+json");
}

}  // namespace
}  // namespace cityid::http
