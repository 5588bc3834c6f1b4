#pragma once
// Staff login and sessions (DESIGN §5, §9): password (Argon2id) plus TOTP for supervisors and
// administrators, bearer session tokens of which only a hash is stored, a CSRF token bound to
// the session, idle and absolute timeouts, and login rate limits:
//   - per client address: `address_max_failures` failed logins in `address_window_seconds`
//     (the address the HTTP server resolved, behind a trusted proxy the forwarded one: a client
//     trying many names locks out itself, not everyone behind the same proxy);
//   - per account: `account_max_failures` failures in `account_lockout_seconds` lock it until
//     the oldest of them is that old (kept in the store, so restarts do not reset it; user names
//     that do not exist lock out the same way, in memory, so a lockout reveals nothing).
// An attempt is counted before its password is hashed (reserved atomically, settled after):
// N concurrent guesses for one account get at most `account_max_failures` verifications.
// Every failure says only "invalid credentials" (no user enumeration), and an unknown user name
// costs the same Argon2id verification as a known one.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "auth/rate_limiter.h"
#include "base/bytes.h"
#include "base/clock.h"
#include "base/rng.h"
#include "base/status.h"
#include "core/types.h"
#include "crypto/secret.h"
#include "store/store.h"

namespace cityid::auth {

inline constexpr size_t kSessionTokenBytes = 32;

struct AuthConfig {
  int64_t idle_timeout_seconds = 30 * 60;
  int64_t absolute_timeout_seconds = 12 * 3600;
  // last_seen_at is written at most this often (a write per request would serialize readers).
  int64_t touch_interval_seconds = 60;
  int account_max_failures = 5;
  int64_t account_lockout_seconds = 15 * 60;
  int address_max_failures = 20;
  int64_t address_window_seconds = 15 * 60;
  // Argon2id verifications running at once (64 MiB each); further logins wait.
  int max_concurrent_hashes = 2;
  // Logins waiting for one of those: each holds a server worker while it waits, so beyond this
  // a login is answered kLoginRateLimited (Retry-After 1) at once, not counted as a failure. A
  // flood of logins then cannot occupy every worker. (The server raises it to half its
  // worker threads.)
  int max_waiting_hashes = 2;
};

// The staff member behind a valid session.
struct Principal {
  std::string staff_id;
  std::string user_name;
  core::Role role = core::Role::kClerk;
  std::string site;           // partners: the one site they may act for
  Bytes token_hash;
  Bytes csrf_hash;
  std::string csrf_token;     // derived from the session token; returned to the client
  UnixSeconds created_at = 0;
  UnixSeconds expires_at = 0; // the earlier of the idle and the absolute deadline

  core::Actor actor() const { return core::Actor{staff_id, role, site}; }
};

struct LoginRequest {
  std::string user;
  std::string password;
  std::string totp;            // empty when not given
  std::string client_address;  // for the per-address limit
};

struct LoginResult {
  std::string token;           // base64url; the cookie value. Shown once, never stored
  Principal principal;
};

// True when `password` matches the Argon2id `hash` (auth/password.h VerifyPassword; tests
// inject one that waits, to line up concurrent logins).
using PasswordVerifier = std::function<bool(std::string_view hash, std::string_view password)>;

class Authenticator {
 public:
  // Borrowed: all must outlive the authenticator. REQUIRES: kek.size() == 32. Thread-safe.
  // `verify` empty: VerifyPassword.
  Authenticator(store::Store& store, const crypto::SecretBytes& kek, const Clock& clock, Rng& rng,
                AuthConfig config = {}, PasswordVerifier verify = {});

  // Logs in. Errors: kLoginRateLimited (with *retry_after_seconds set) when the address or the
  // account is locked out; kInvalidCredentials for a wrong user, password or TOTP code (or a
  // replayed code, or a disabled account); kTotpRequired when the password was right but the
  // account needs a code and none was given (not counted as a failure); kStoreBusy / kInternal.
  //
  // TOTP enrolment (an account whose role needs TOTP but has no confirmed secret: created
  // through the admin API, or reset): the right password without a code, or before any secret
  // was shown, answers kTotpEnrollmentRequired with a fresh secret in *enrollment_secret
  // (sealed in the account as pending; each such try replaces it, so a secret is shown once);
  // the right password with a code of the pending secret confirms it and opens the session
  // (audited "staff.totp_confirm"); a wrong code is kInvalidCredentials and counts as a
  // failure. The lockout and rate limits apply to every try as to any login.
  Result<LoginResult> Login(const LoginRequest& req, int64_t* retry_after_seconds,
                            crypto::SecretBytes* enrollment_secret = nullptr);

  // The principal of a session token (the cookie value). kUnauthenticated when the token is
  // malformed or unknown or its account disabled, kSessionExpired when idle or absolute timeout
  // passed (the session is then deleted). Refreshes last_seen_at.
  Result<Principal> Authenticate(std::string_view token);

  // Ends the session. kUnauthenticated when it no longer exists.
  Status Logout(const Principal& p);

  // True when `csrf_header` is the session's CSRF token (constant-time comparison of hashes).
  static bool CsrfMatches(const Principal& p, std::string_view csrf_header);

  // The CSRF token of a session token: base64url(BLAKE2b-256 keyed by the token, of a label).
  static std::string CsrfTokenFor(ByteView token);

  const AuthConfig& config() const { return config_; }

 private:
  // Whether `password` matches `hash`; nullopt when max_waiting_hashes logins already wait.
  std::optional<bool> CheckPassword(std::string_view hash, std::string_view password);
  // Reserves an attempt on the account `req.user` names (or on the unknown name): *wait > 0
  // when it is locked out (nothing reserved); else *staff is the account (nullopt: unknown or
  // disabled) and the attempt must be settled with SettleAccount.
  Status ReserveAccount(const LoginRequest& req, UnixSeconds now,
                        std::optional<store::StaffRow>* staff, int64_t* wait);
  // Ends the reserved attempt, recording it as a failure when `failed`.
  Status SettleAccount(const std::optional<store::StaffRow>& staff, const LoginRequest& req,
                       UnixSeconds now, bool failed);
  // The login once reserved; *failed when the attempt counts as a failure, *busy when it was
  // not tried (too many logins waiting for a hash).
  Result<LoginResult> Attempt(const LoginRequest& req, const std::optional<store::StaffRow>& staff,
                              UnixSeconds now, bool* failed, bool* busy,
                              crypto::SecretBytes* enrollment_secret);
  // The enrolment answer: a new pending secret sealed in the account, kTotpEnrollmentRequired.
  Status OfferEnrollment(const store::StaffRow& staff, UnixSeconds now,
                         crypto::SecretBytes* enrollment_secret);
  std::string UnknownUserKey(std::string_view user) const;

  store::Store& store_;
  const crypto::SecretBytes& kek_;
  const Clock& clock_;
  Rng& rng_;
  std::mutex rng_mu_;  // the injected Rng need not be thread-safe
  const AuthConfig config_;
  std::string dummy_hash_;  // verified against for unknown users: equal timing
  FailureLimiter by_address_;
  FailureLimiter unknown_users_;
  PasswordVerifier verify_;
  // Known accounts' attempts under way: their count plus the store's recorded failures is
  // what the lockout checks; both change only under attempt_mu_.
  std::mutex attempt_mu_;
  std::unordered_map<std::string, int> in_flight_;  // staff id -> attempts being verified
  std::mutex hash_mu_;
  std::condition_variable hash_cv_;
  int hashing_ = 0;
  int waiting_ = 0;  // logins waiting for a hash slot
};

}  // namespace cityid::auth
