#pragma once
// The HTTP tests' one fixture: a running Server on a free port with an httplib client, over
// an in-memory store, a fresh keyring in a temp folder, the New York test policy, a name
// normalizer, a core::Context and a FixedClock; staff accounts signed in over HTTP (TOTP
// included). A test file derives from ServerFixture and keeps only the helpers that are its
// own; the virtual hooks change what one file needs changed (server config, policy, start time).
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "base/clock.h"
#include "core/workflow.h"
#include "http/server.h"
#include "store/store.h"

namespace cityid::http {

class ServerFixture : public ::testing::Test {
 public:
  static constexpr UnixSeconds kNow = 1795608000;  // 2026-11-25 12:00 UTC, a Wednesday
  static constexpr char kPassword[] = "a long passphrase";

 protected:
  // A signed-in staff member's cookie ("cityid_session=...") and CSRF token.
  struct Session {
    std::string cookie;
    std::string csrf;
  };

  // Hooks. The server's config (port is always forced to 0: any free port). The default sees
  // revocations at once (status_refresh_seconds 0) and has no metrics listener.
  virtual ServerConfig Config();
  // The policy file the store, context and server use.
  virtual std::string PolicyFile();
  // What clock_ reads when SetUp starts.
  virtual UnixSeconds StartTime() { return kNow; }

  void SetUp() override;
  void TearDown() override;

  // Starts server_ (and thread_, port_, client_) with `config` on a free port; stops it. A test
  // may stop the server and start it again with another config; TearDown stops it if running.
  void StartServer(ServerConfig config);
  void StopServer();

  // A staff account made as `cityid staff add` does (TOTP enrolled at once); its TOTP secret
  // (empty for roles without one).
  Bytes AddStaff(const std::string& user, const std::string& role, const std::string& site = "");
  // POST /api/v1/sessions with kPassword and `code` (none when empty), unchecked.
  httplib::Result LoginRaw(const std::string& user, const std::string& code);
  // The session a sign-in answered (checked: 201).
  Session SessionOf(const httplib::Result& res);
  // Signs in over HTTP; the TOTP code (if any) is computed for `at` (default: clock_ now).
  Session Login(const std::string& user, const Bytes& secret);
  Session Login(const std::string& user, const Bytes& secret, UnixSeconds at);
  // AddStaff then Login.
  Session SignIn(const std::string& user, const std::string& role, const std::string& site = "");

  // The session's cookie and (unless `csrf` is false) CSRF header; none for nullptr.
  static httplib::Headers With(const Session* s, bool csrf = true);
  static httplib::Headers With(const Session& s) { return With(&s); }
  // GET, DELETE, PUT or (any other method) POST with a JSON body.
  httplib::Result Call(const std::string& method, const std::string& path, const httplib::Headers& h,
                       const std::string& body = "{}");
  httplib::Result Call(const std::string& method, const std::string& path, const Session& s,
                       const nlohmann::json& body = nlohmann::json::object());
  // A problem answer's type without the base URI ("role-not-allowed"); "" when not a problem.
  static std::string ProblemType(const httplib::Result& res);

  std::filesystem::path dir_;  // the keyring's folder, removed at TearDown
  SeededRng rng_{5};
  SeededRng server_rng_{9};
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

}  // namespace cityid::http
