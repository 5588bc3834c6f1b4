#include "auth/sessions.h"

#include <sodium.h>

#include <algorithm>

#include "auth/password.h"
#include "auth/staff.h"
#include "auth/totp.h"

namespace cityid::auth {
namespace {

constexpr char kCsrfLabel[] = "cityid-csrf-v1";

Bytes Hash32(ByteView data) {
  Bytes out(crypto_generichash_BYTES);
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

bool SameHash(ByteView a, ByteView b) {
  return a.size() == b.size() && !a.empty() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status InvalidCredentials() { return Error(ErrorId::kInvalidCredentials, "invalid credentials"); }

}  // namespace

Authenticator::Authenticator(store::Store& store, const crypto::SecretBytes& kek,
                             const Clock& clock, Rng& rng, AuthConfig config,
                             PasswordVerifier verify)
    : store_(store),
      kek_(kek),
      clock_(clock),
      rng_(rng),
      config_(config),
      by_address_(config.address_max_failures, config.address_window_seconds),
      unknown_users_(config.account_max_failures, config.account_lockout_seconds),
      verify_(verify ? std::move(verify) : PasswordVerifier(VerifyPassword)) {
  // A real Argon2id string with the same parameters as every account's, for a password nobody
  // knows: logging in as a user name that does not exist costs the same time.
  uint8_t random[24];
  rng_.Fill(random);
  auto dummy = HashPassword(Base64UrlEncode(ByteView(random, sizeof random)));
  dummy_hash_ = dummy.ok() ? *dummy : std::string();
}

std::string Authenticator::CsrfTokenFor(ByteView token) {
  uint8_t out[crypto_generichash_BYTES];
  crypto_generichash(out, sizeof out, reinterpret_cast<const uint8_t*>(kCsrfLabel),
                     sizeof kCsrfLabel - 1, token.data(), token.size());
  return Base64UrlEncode(ByteView(out, sizeof out));
}

bool Authenticator::CsrfMatches(const Principal& p, std::string_view csrf_header) {
  if (csrf_header.empty() || csrf_header.size() > 128) return false;
  return SameHash(Hash32(AsBytes(csrf_header)), p.csrf_hash);
}

std::string Authenticator::UnknownUserKey(std::string_view user) const {
  // The attempted name may be a password typed in the wrong field: keep only a hash in memory.
  return HexEncode(Hash32(AsBytes(user)));
}

std::optional<bool> Authenticator::CheckPassword(std::string_view hash,
                                                 std::string_view password) {
  {
    std::unique_lock lock(hash_mu_);
    const int slots = std::max(1, config_.max_concurrent_hashes);
    if (hashing_ >= slots && waiting_ >= std::max(0, config_.max_waiting_hashes)) {
      return std::nullopt;
    }
    ++waiting_;
    hash_cv_.wait(lock, [this, slots] { return hashing_ < slots; });
    --waiting_;
    ++hashing_;
  }
  const bool ok = verify_(hash, password);
  {
    std::lock_guard lock(hash_mu_);
    --hashing_;
  }
  hash_cv_.notify_one();
  return ok;
}

Status Authenticator::ReserveAccount(const LoginRequest& req, UnixSeconds now,
                                     std::optional<store::StaffRow>* staff, int64_t* wait) {
  *wait = 0;
  std::lock_guard lock(attempt_mu_);
  std::vector<UnixSeconds> failures;
  if (req.user.size() <= 64) {
    CITYID_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(*staff, tx.GetStaffByUserName(req.user));
      if (*staff) {
        CITYID_ASSIGN_OR_RETURN(
            failures,
            tx.FailedLoginsSince((*staff)->id, now - config_.account_lockout_seconds + 1));
      }
      return Status::Ok();
    }));
  }
  // A disabled account behaves exactly like an unknown one.
  if (*staff && (*staff)->disabled) staff->reset();
  if (!*staff) {
    *wait = unknown_users_.Reserve(UnknownUserKey(req.user), now);
    return Status::Ok();
  }
  const size_t max = static_cast<size_t>(std::max(1, config_.account_max_failures));
  int& running = in_flight_[(*staff)->id];
  if (failures.size() + static_cast<size_t>(running) >= max) {
    *wait = failures.size() >= max ? std::max<int64_t>(1, failures[failures.size() - max] +
                                                              config_.account_lockout_seconds - now)
                                   : 1;  // attempts under way settle within a hash's time
    if (running == 0) in_flight_.erase((*staff)->id);
    return Status::Ok();
  }
  ++running;
  return Status::Ok();
}

Status Authenticator::SettleAccount(const std::optional<store::StaffRow>& staff,
                                    const LoginRequest& req, UnixSeconds now, bool failed) {
  if (!staff) {
    unknown_users_.Settle(UnknownUserKey(req.user), now, failed);
    return Status::Ok();
  }
  std::lock_guard lock(attempt_mu_);
  Status recorded = Status::Ok();
  if (failed) {
    recorded = store_.Write([&](store::Tx& tx) { return tx.InsertFailedLogin(staff->id, now); });
  }
  if (auto it = in_flight_.find(staff->id); it != in_flight_.end() && --it->second <= 0) {
    in_flight_.erase(it);
  }
  return recorded;
}

Result<LoginResult> Authenticator::Login(const LoginRequest& req, int64_t* retry_after_seconds,
                                         crypto::SecretBytes* enrollment_secret) {
  const UnixSeconds now = clock_.Now();
  if (retry_after_seconds) *retry_after_seconds = 0;
  auto limited = [&](int64_t seconds) {
    if (retry_after_seconds) *retry_after_seconds = seconds;
    return Error(ErrorId::kLoginRateLimited,
                 "too many failed logins; retry after " + std::to_string(seconds) + " s");
  };
  if (int64_t wait = by_address_.Reserve(req.client_address, now); wait > 0) {
    return limited(wait);
  }
  std::optional<store::StaffRow> staff;
  int64_t wait = 0;
  if (Status s = ReserveAccount(req, now, &staff, &wait); !s.ok() || wait > 0) {
    by_address_.Settle(req.client_address, now, false);
    if (!s.ok()) return s;
    return limited(wait);
  }
  bool failed = false;
  bool busy = false;
  Result<LoginResult> result = Attempt(req, staff, now, &failed, &busy, enrollment_secret);
  by_address_.Settle(req.client_address, now, failed);
  CITYID_RETURN_IF_ERROR(SettleAccount(staff, req, now, failed));
  if (busy) {
    if (retry_after_seconds) *retry_after_seconds = 1;
    return Error(ErrorId::kLoginRateLimited,
                 "the server is checking many logins at once; retry in a second");
  }
  return result;
}

Status Authenticator::OfferEnrollment(const store::StaffRow& staff, UnixSeconds now,
                                      crypto::SecretBytes* enrollment_secret) {
  crypto::SecretBytes secret;
  Bytes sealed;
  {
    std::lock_guard lock(rng_mu_);
    secret = NewTotpSecret(rng_);
    sealed = SealTotpSecret(kek_, secret, staff.id, rng_);
  }
  CITYID_RETURN_IF_ERROR(store_.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetStaff(staff.id));
    if (!row || row->disabled || !row->totp_sealed.empty()) return InvalidCredentials();
    row->totp_pending = sealed;
    row->updated_at = now;
    return tx.UpdateStaff(*row);
  }));
  if (enrollment_secret) *enrollment_secret = std::move(secret);
  return Error(ErrorId::kTotpEnrollmentRequired,
               "set up the one-time code: add the secret to an authenticator app and sign in "
               "again with a code from it");
}

Result<LoginResult> Authenticator::Attempt(const LoginRequest& req,
                                           const std::optional<store::StaffRow>& staff,
                                           UnixSeconds now, bool* failed, bool* busy,
                                           crypto::SecretBytes* enrollment_secret) {
  const std::optional<bool> checked =
      CheckPassword(staff ? staff->password_hash : dummy_hash_, req.password);
  if (!checked) {
    *busy = true;
    return Error(ErrorId::kLoginRateLimited, "busy");  // Login words it
  }
  const bool password_ok = *checked;
  if (!password_ok || !staff) {
    *failed = true;
    return InvalidCredentials();
  }

  std::optional<int64_t> step;
  auto role = core::ParseRole(staff->role);
  if (!role) return Error(ErrorId::kInternal, "staff row with an unknown role");
  // A role that needs TOTP without a confirmed secret enrols one (see Login).
  const bool enrolling = RequiresTotp(*role) && staff->totp_sealed.empty();
  if (enrolling) {
    if (req.totp.empty() || staff->totp_pending.empty()) {
      return OfferEnrollment(*staff, now, enrollment_secret);
    }
    auto secret = OpenTotpSecret(kek_, staff->totp_pending, staff->id);
    if (!secret.ok()) return secret.status();
    step = MatchTotp(secret->view(), req.totp, now);
    if (!step) {
      *failed = true;
      return InvalidCredentials();
    }
  } else if (!staff->totp_sealed.empty()) {
    if (req.totp.empty()) {
      return Error(ErrorId::kTotpRequired, "this account needs a one-time code (totp)");
    }
    auto secret = OpenTotpSecret(kek_, staff->totp_sealed, staff->id);
    if (!secret.ok()) return secret.status();
    step = MatchTotp(secret->view(), req.totp, now);
    if (!step) {
      *failed = true;
      return InvalidCredentials();
    }
  }

  LoginResult out;
  crypto::SecretBytes token(kSessionTokenBytes);
  {
    std::lock_guard lock(rng_mu_);
    rng_.Fill(token.mutable_view());
  }
  out.token = Base64UrlEncode(token.view());
  Principal& p = out.principal;
  p.staff_id = staff->id;
  p.user_name = staff->user_name;
  p.role = *role;
  p.site = staff->site;
  p.token_hash = Hash32(token.view());
  p.csrf_token = CsrfTokenFor(token.view());
  p.csrf_hash = Hash32(AsBytes(p.csrf_token));
  p.created_at = now;
  p.expires_at = std::min(now + config_.idle_timeout_seconds,
                          now + config_.absolute_timeout_seconds);

  bool replayed = false;
  Status written = store_.Write([&](store::Tx& tx) -> Status {
    if (enrolling) {
      // The code matched the secret this try read; a newer try may have replaced it since.
      CITYID_ASSIGN_OR_RETURN(auto row, tx.GetStaff(staff->id));
      if (!row || row->disabled || row->totp_pending != staff->totp_pending) {
        replayed = true;
        return InvalidCredentials();
      }
      row->totp_sealed = std::move(row->totp_pending);
      row->totp_pending.clear();
      row->updated_at = now;
      CITYID_RETURN_IF_ERROR(tx.UpdateStaff(*row));
      audit::Entry e{now, staff->id, staff->role, staff->site, "staff.totp_confirm", staff->id,
                     "role " + staff->role};
      CITYID_RETURN_IF_ERROR(tx.AppendAudit(e).status());
    }
    if (step) {
      CITYID_ASSIGN_OR_RETURN(bool claimed, tx.ClaimTotpStep(staff->id, *step));
      if (!claimed) {
        replayed = true;
        return InvalidCredentials();  // rolls back
      }
    }
    CITYID_RETURN_IF_ERROR(tx.ClearFailedLogins(staff->id));
    CITYID_RETURN_IF_ERROR(tx.DeleteExpiredSessions(now - config_.idle_timeout_seconds,
                                                    now - config_.absolute_timeout_seconds)
                               .status());
    return tx.InsertSession(store::SessionRow{p.token_hash, p.staff_id, p.csrf_hash, now, now});
  });
  if (replayed) {  // the code of a step already used: someone may have watched it being typed
    *failed = true;
    return InvalidCredentials();
  }
  CITYID_RETURN_IF_ERROR(written);
  return out;
}

Result<Principal> Authenticator::Authenticate(std::string_view token_text) {
  const UnixSeconds now = clock_.Now();
  // 32 bytes in base64url without padding: 43 characters.
  if (token_text.size() != 43) return Error(ErrorId::kUnauthenticated, "no valid session");
  auto token = Base64UrlDecode(token_text);
  if (!token.ok() || token->size() != kSessionTokenBytes) {
    return Error(ErrorId::kUnauthenticated, "no valid session");
  }
  const Bytes token_hash = Hash32(*token);
  std::optional<store::SessionRow> session;
  std::optional<store::StaffRow> staff;
  CITYID_RETURN_IF_ERROR(store_.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(session, tx.GetSession(token_hash));
    if (session) {
      CITYID_ASSIGN_OR_RETURN(staff, tx.GetStaff(session->staff_id));
    }
    return Status::Ok();
  }));
  // The lookup is by hash; the comparison repeats it in constant time so that no code path
  // depends on a variable-time equality of secrets.
  if (!session || !SameHash(session->token_hash, token_hash)) {
    return Error(ErrorId::kUnauthenticated, "no valid session");
  }
  const bool idle = now - session->last_seen_at >= config_.idle_timeout_seconds;
  const bool too_old = now - session->created_at >= config_.absolute_timeout_seconds;
  if (idle || too_old) {
    Status deleted = store_.Write([&](store::Tx& tx) { return tx.DeleteSession(token_hash); });
    if (!deleted.ok() && deleted.code() != StatusCode::kNotFound) return deleted;
    return Error(ErrorId::kSessionExpired,
                 idle ? "session idle for too long; log in again" : "session too old; log in again");
  }
  if (!staff || staff->disabled) return Error(ErrorId::kUnauthenticated, "no valid session");
  auto role = core::ParseRole(staff->role);
  if (!role) return Error(ErrorId::kInternal, "staff row with an unknown role");
  if (now - session->last_seen_at >= config_.touch_interval_seconds) {
    Status touched =
        store_.Write([&](store::Tx& tx) { return tx.TouchSession(token_hash, now); });
    if (!touched.ok() && touched.code() != StatusCode::kNotFound) return touched;
    session->last_seen_at = now;
  }
  Principal p;
  p.staff_id = staff->id;
  p.user_name = staff->user_name;
  p.role = *role;
  p.site = staff->site;
  p.token_hash = token_hash;
  p.csrf_hash = session->csrf_hash;
  p.csrf_token = CsrfTokenFor(*token);
  p.created_at = session->created_at;
  p.expires_at = std::min(session->last_seen_at + config_.idle_timeout_seconds,
                          session->created_at + config_.absolute_timeout_seconds);
  return p;
}

Status Authenticator::Logout(const Principal& p) {
  Status s = store_.Write([&](store::Tx& tx) { return tx.DeleteSession(p.token_hash); });
  if (s.code() == StatusCode::kNotFound) return Error(ErrorId::kUnauthenticated, "no valid session");
  return s;
}

}  // namespace cityid::auth
