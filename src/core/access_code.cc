#include "core/access_code.h"

#include <sodium.h>

#include <cstdint>

#include "core/checks.h"
#include "core/workflow.h"

namespace cityid::core {
namespace {

// Crockford's base32: digits and capitals without I, L, O, U.
constexpr char kCrockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr size_t kCodeChars = 16;  // 80 bits

std::string Base32(const uint8_t* raw, size_t n, const char* alphabet) {
  std::string out;
  uint64_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < n; ++i) {
    buffer = (buffer << 8) | raw[i];
    bits += 8;
    while (bits >= 5) {
      out.push_back(alphabet[(buffer >> (bits - 5)) & 31]);
      bits -= 5;
    }
  }
  return out;
}

}  // namespace

std::string NewAccessCode(Rng& rng) {
  uint8_t raw[10];
  rng.Fill(std::span<uint8_t>(raw, sizeof raw));
  const std::string chars = Base32(raw, sizeof raw, kCrockford);
  sodium_memzero(raw, sizeof raw);
  std::string out;
  for (size_t i = 0; i < chars.size(); ++i) {
    if (i > 0 && i % 4 == 0) out.push_back('-');
    out.push_back(chars[i]);
  }
  return out;
}

Result<std::string> NormalizeAccessCode(std::string_view typed) {
  std::string out;
  for (char c : typed) {
    if (c == ' ' || c == '-') continue;
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    bool known = false;
    for (const char* a = kCrockford; *a != '\0'; ++a) known = known || *a == c;
    if (!known || out.size() >= kCodeChars) {
      return Error(ErrorId::kInvalidArgument,
                   "access code: expected 16 letters and digits, as printed on the enrollment "
                   "receipt (e.g. 7KQ2-M9XD-0RTB-Z4HF)");
    }
    out.push_back(c);
  }
  if (out.size() != kCodeChars) {
    return Error(ErrorId::kInvalidArgument,
                 "access code: expected 16 letters and digits, as printed on the enrollment "
                 "receipt (e.g. 7KQ2-M9XD-0RTB-Z4HF)");
  }
  return out;
}

Bytes AccessCodeHash(const crypto::BlindIndexer& indexer, std::string_view canonical) {
  return indexer.Compute(kAccessCodeDomain, canonical);
}

Result<std::string> ReissueAccessCode(Context& ctx, std::string_view application_id,
                                      const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kAdmin}));
  std::string code = NewAccessCode(ctx.rng);
  CITYID_ASSIGN_OR_RETURN(std::string canonical, NormalizeAccessCode(code));
  const Bytes hash = AccessCodeHash(ctx.keys.blind_indexer(), canonical);
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto app, tx.GetApplication(application_id));
    if (!app) return Error(ErrorId::kApplicationNotFound, "no application with that id");
    CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(app->person_id));
    if (!person) return Error(ErrorId::kPersonNotFound, "person record does not exist (purged?)");
    CITYID_RETURN_IF_ERROR(tx.PutAccessCode(person->id, hash, ctx.clock.Now()));
    audit::Entry e{ctx.clock.Now(),
                   actor.id,
                   Name(actor.role),
                   actor.site,
                   "history.code_issue",
                   person->id,
                   "access code re-issued at the counter"};
    return tx.AppendAudit(e).status();
  }));
  return code;
}

}  // namespace cityid::core
