#include "http/test_server.h"

#include <unistd.h>

#include "auth/staff.h"
#include "auth/totp.h"
#include "http/problem.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::http {

using nlohmann::json;

ServerConfig ServerFixture::Config() {
  ServerConfig config;
  config.status_refresh_seconds = 0;  // see revocations at once in tests
  return config;
}

std::string ServerFixture::PolicyFile() {
  return std::string(CITYID_TEST_SOURCE_DIR) + "/policies/new-york-points.toml";
}

void ServerFixture::SetUp() {
  ASSERT_TRUE(crypto::InitCrypto().ok());
  clock_.Set(StartTime());
  const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ = std::filesystem::temp_directory_path() /
         ("cityid-http-" + std::to_string(::getpid()) + "-" + test->test_suite_name() + "-" +
          test->name());
  std::filesystem::remove_all(dir_);
  keys_ = std::move(crypto::Keyring::Create((dir_ / "keys").string(), rng_)).value();
  store_ = std::move(store::OpenSqliteStore(":memory:")).value();
  policy_ = std::make_unique<policy::Policy>(std::move(policy::Policy::Load(PolicyFile())).value());
  names_ = std::move(dedup::NameNormalizer::Create()).value();
  ctx_ = std::make_unique<core::Context>(
      core::Context{*store_, *keys_, *policy_, *names_, clock_, rng_});
  StartServer(Config());
}

void ServerFixture::TearDown() {
  StopServer();
  std::filesystem::remove_all(dir_);
}

void ServerFixture::StartServer(ServerConfig config) {
  config.port = 0;
  server_ = std::move(Server::Create(config, *store_, *keys_, *policy_, clock_, server_rng_)).value();
  port_ = *server_->Bind();
  thread_ = std::thread([this] { (void)server_->Run(); });
  client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
}

void ServerFixture::StopServer() {
  if (!thread_.joinable()) return;
  server_->Stop();
  thread_.join();
}

Bytes ServerFixture::AddStaff(const std::string& user, const std::string& role,
                              const std::string& site) {
  core::Actor root{"cli:root", core::Role::kAdmin, ""};
  auto c = auth::AddStaff(*store_, keys_->kek(), clock_, rng_, root, {user, role, site, kPassword},
                          "cityid Test");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return {};
  return Bytes(c->totp_secret.view().begin(), c->totp_secret.view().end());
}

httplib::Result ServerFixture::LoginRaw(const std::string& user, const std::string& code) {
  json body{{"user", user}, {"password", kPassword}};
  if (!code.empty()) body["totp"] = code;
  return client_->Post("/api/v1/sessions", body.dump(), "application/json");
}

ServerFixture::Session ServerFixture::SessionOf(const httplib::Result& res) {
  EXPECT_TRUE(res);
  if (!res) return {};
  EXPECT_EQ(res->status, 201) << res->body;
  const std::string set_cookie = res->get_header_value("Set-Cookie");
  const json j = json::parse(res->body, nullptr, false);
  return Session{set_cookie.substr(0, set_cookie.find(';')),
                 j.is_object() ? j.value("csrf_token", "") : ""};
}

ServerFixture::Session ServerFixture::Login(const std::string& user, const Bytes& secret) {
  return Login(user, secret, clock_.Now());
}

ServerFixture::Session ServerFixture::Login(const std::string& user, const Bytes& secret,
                                            UnixSeconds at) {
  return SessionOf(LoginRaw(user, secret.empty() ? "" : auth::TotpCode(secret, at)));
}

ServerFixture::Session ServerFixture::SignIn(const std::string& user, const std::string& role,
                                             const std::string& site) {
  return Login(user, AddStaff(user, role, site));
}

httplib::Headers ServerFixture::With(const Session* s, bool csrf) {
  httplib::Headers h;
  if (s) h.emplace("Cookie", s->cookie);
  if (s && csrf) h.emplace("X-CSRF-Token", s->csrf);
  return h;
}

httplib::Result ServerFixture::Call(const std::string& method, const std::string& path,
                                    const httplib::Headers& h, const std::string& body) {
  if (method == "GET") return client_->Get(path, h);
  if (method == "DELETE") return client_->Delete(path, h);
  if (method == "PUT") return client_->Put(path, h, body, "application/json");
  return client_->Post(path, h, body, "application/json");
}

httplib::Result ServerFixture::Call(const std::string& method, const std::string& path,
                                    const Session& s, const json& body) {
  return Call(method, path, With(s), body.dump());
}

std::string ServerFixture::ProblemType(const httplib::Result& res) {
  const json j = json::parse(res->body, nullptr, false);
  if (!j.is_object() || !j.contains("type")) return "";
  return j["type"].get<std::string>().substr(std::string(kProblemTypeBase).size());
}

}  // namespace cityid::http
