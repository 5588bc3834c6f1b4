#include "core/workflow.h"

#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <nlohmann/json.hpp>
#include <set>
#include <sodium.h>

#include "base/names.h"
#include "core/access_code.h"
#include "core/appointments.h"
#include "core/checks.h"
#include "core/ids.h"
#include "credential/card.h"
#include "credential/presentation.h"
#include "credential/status_list.h"
#include "crypto/envelope.h"

namespace cityid::core {
namespace {

using nlohmann::json;

constexpr int kRecordSchema = 1;

constexpr uint32_t kStatusListSize = 131072;
constexpr int kStatusIndexAttempts = 32;

Status AppendAudit(store::Tx& tx, const Context& ctx, const Actor& actor, std::string action,
                   std::string subject, std::string_view reason) {
  audit::Entry e{ctx.clock.Now(), actor.id, Name(actor.role), actor.site, std::move(action),
                 std::move(subject), std::string(reason)};
  return tx.AppendAudit(e).status();
}

// The audit-log subject of a card: its pseudonymous id, never its number (issue 14 §1).
std::string CardSubjectOf(const store::CardRow& card) {
  return card.subject.empty() ? std::string("crd_") : card.subject;
}

Result<store::ApplicationRow> LoadApplication(store::Tx& tx, std::string_view id) {
  CITYID_ASSIGN_OR_RETURN(auto row, tx.GetApplication(id));
  if (!row) return Error(ErrorId::kApplicationNotFound, "no application with that id");
  return std::move(*row);
}

Result<store::CardRow> LoadCard(store::Tx& tx, std::string_view number_text) {
  CITYID_ASSIGN_OR_RETURN(std::string number, ParseCardNumber(number_text));
  CITYID_ASSIGN_OR_RETURN(auto row, tx.GetCard(number));
  if (!row) return Error(ErrorId::kCardNotFound, "no card with that number");
  return std::move(*row);
}

Status TransitionApplication(store::ApplicationRow& app, ApplicationState to) {
  auto from = ParseApplicationState(app.state);
  if (!from) return Error(ErrorId::kStoreCorrupt, "unknown application state");
  if (!IsAllowed(*from, to)) {
    // Say what to do, in the clerk's terms, for the common mistakes.
    using S = ApplicationState;
    std::string hint;
    if (*from == S::kIssued) {
      hint = "a card was already issued for this application (reprint: cityid payload; lost "
             "card: cityid replace)";
    } else if (*from == S::kRejected || *from == S::kWithdrawn || *from == S::kNoShow) {
      hint = std::string("the application is closed (") + app.state + "); enroll again";
    } else if (to == S::kPrinted &&
               (*from == S::kDocumentsChecked || *from == S::kFlagged || *from == S::kInReview)) {
      hint = std::string("the application is not approved yet (") + app.state +
             "): a supervisor must approve it first";
    } else if (to == S::kApproved && (*from == S::kApproved || *from == S::kPrinted)) {
      hint = "the application is already approved";
    } else {
      hint = std::string("application is ") + app.state + ", cannot become " + Name(to);
    }
    return Error(ErrorId::kInvalidTransition, hint);
  }
  app.state = Name(to);
  return Status::Ok();
}

Status TransitionCard(store::CardRow& card, CardState to) {
  auto from = ParseCardState(card.state);
  if (!from) return Error(ErrorId::kStoreCorrupt, "unknown card state");
  if (!IsAllowed(*from, to)) {
    return Error(ErrorId::kInvalidTransition,
                 std::string("card is ") + card.state + ", cannot become " + Name(to));
  }
  card.state = Name(to);
  return Status::Ok();
}

// ---- person records (envelope) ----

Result<PersonRecord> OpenPerson(store::Tx& tx, const Context& ctx, std::string_view person_id,
                                crypto::DataKey* dk_out = nullptr) {
  CITYID_ASSIGN_OR_RETURN(auto row, tx.GetPerson(person_id));
  if (!row) return Error(ErrorId::kPersonNotFound, "person record does not exist (purged?)");
  CITYID_ASSIGN_OR_RETURN(crypto::DataKey dk,
                          crypto::UnwrapDataKey(ctx.keys.kek(), row->wrapped_key, person_id));
  CITYID_ASSIGN_OR_RETURN(crypto::SecretBytes plain,
                          crypto::OpenRecord(dk, person_id, row->schema_version, row->sealed));
  auto record = PersonRecord::FromJson(AsChars(plain.view()));
  if (dk_out) *dk_out = std::move(dk);
  return record;
}

// Re-seals a person's record. With `new_key`, a fresh data key replaces the old one, so a
// ciphertext left behind by an earlier version (in the WAL or a backup) that still holds a
// removed field becomes unreadable once the old wrapped key is gone.
Status SealPerson(store::Tx& tx, const Context& ctx, std::string_view person_id,
                  crypto::DataKey& dk, const PersonRecord& record, bool new_key) {
  store::PersonRow row;
  row.id = std::string(person_id);
  if (new_key) dk = crypto::NewDataKey(ctx.rng);
  row.wrapped_key = crypto::WrapDataKey(ctx.keys.kek(), dk, person_id, ctx.rng);
  std::string json_text = record.ToJson();
  row.sealed = crypto::SealRecord(dk, person_id, kRecordSchema, AsBytes(json_text), ctx.rng);
  sodium_memzero(json_text.data(), json_text.size());
  row.schema_version = kRecordSchema;
  row.updated_at = ctx.clock.Now();
  return tx.UpdatePerson(row);
}

// Free text that goes into the audit log: bounded, printable. Staff are told (docs/cli.md) to
// write why, never who.
Status CheckReason(std::string_view reason) {
  if (reason.size() > 200) return Error(ErrorId::kFieldTooLong, "reason: longer than 200 bytes");
  if (!IsValidUtf8(reason)) return Error(ErrorId::kInvalidUtf8, "reason: not valid UTF-8");
  for (unsigned char c : reason) {
    if (c < 0x20 || c == 0x7f) return Error(ErrorId::kInvalidArgument, "reason: control character");
  }
  // Auditors and applicants (the access history) read it: no C1 controls or bidirectional
  // overrides that would make it read otherwise.
  return names::CheckText(reason, 200).WithContext("reason");
}

bool Blank(std::string_view s) { return s.find_first_not_of(" \t") == std::string_view::npos; }

// ---- cards ----

int GenderCode(std::string_view g) {
  // Claim 169 gender values: 1 male, 2 female, 3 other.
  if (g == "M") return 1;
  if (g == "F") return 2;
  return 3;
}

std::string Join(const PersonName& n) {
  if (n.family.empty()) return n.given;
  if (n.given.empty()) return n.family;
  return n.given + " " + n.family;
}

// Decodes the first code point of UTF-8 text (0 when empty).
uint32_t FirstCodePoint(std::string_view s) {
  if (s.empty()) return 0;
  const auto c = static_cast<unsigned char>(s[0]);
  if (c < 0x80) return c;
  const int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  uint32_t cp = c & (0x3F >> (len - 1));
  for (int i = 1; i < len && i < static_cast<int>(s.size()); ++i) cp = (cp << 6) | (s[i] & 0x3F);
  return cp;
}

// Han, Hiragana/Katakana, Hangul: written family name first, without a space.
bool IsEastAsian(std::string_view s) {
  const uint32_t cp = FirstCodePoint(s);
  return (cp >= 0x2E80 && cp <= 0x9FFF) || (cp >= 0xAC00 && cp <= 0xD7AF) ||
         (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF);
}

// The name in the applicant's own script, in that script's usual order.
std::string JoinNative(const PersonName& n) {
  if (IsEastAsian(n.family) || IsEastAsian(n.given)) return n.family + n.given;
  return Join(n);
}

credential::CardClaims ClaimsFor(const Context& ctx, const PersonRecord& r,
                                 const store::CardRow& card) {
  credential::CardClaims c;
  c.card_number = card.number;
  c.full_name = Join(r.latin_name);
  c.given_name = r.latin_name.given;
  c.family_name = r.latin_name.family;
  const std::string native = JoinNative(r.legal_name);
  if (native != c.full_name) {
    // A native name always travels with its language: Claim 169's ISO 639-3 code ("spa") from
    // the applicant's BCP 47 tag ("es"), or "und" (undetermined) when the file gave none.
    c.full_name_native = native;
    c.native_language = names::NativeLanguageCode(r.language);
  }
  c.date_of_birth = r.date_of_birth;
  if (!r.gender.empty() && ctx.policy.Prints("gender")) c.gender = GenderCode(r.gender);
  c.status_list_id = card.status_list_id;
  c.status_index = card.status_index;
  return c;
}

Result<std::string> SignCard(const Context& ctx, const PersonRecord& r, const store::CardRow& card) {
  const Bytes* seed = nullptr;
  for (const auto& [number, s] : r.card_seeds) {
    if (number == card.number) seed = &s;
  }
  if (!seed) return Error(ErrorId::kStoreCorrupt, "card seed missing from person record");
  credential::CwtMeta meta{ctx.policy.issuer(), card.issued_at, card.expires_at};
  CITYID_ASSIGN_OR_RETURN(auto encoded, credential::EncodeCard(ClaimsFor(ctx, r, card), meta,
                                                               ctx.keys.issuer_signer(), *seed));
  return encoded.qr_text;
}

// Loads or creates the newest status list and finds a free random index in it; starts a new
// list when the newest is nearly full. Random indexes give herd privacy (DESIGN §6).
Result<std::pair<std::string, uint32_t>> AllocateStatusIndex(store::Tx& tx, Context& ctx) {
  CITYID_ASSIGN_OR_RETURN(auto ids, tx.StatusListIds());
  std::string list_id = ids.empty() ? "1" : ids.back();
  for (int round = 0; round < 2; ++round) {
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetStatusList(list_id));
    if (!row) {
      auto list = credential::StatusList::Create(list_id, kStatusListSize);
      CITYID_RETURN_IF_ERROR(
          tx.PutStatusList({list_id, kStatusListSize, list.ToBytes(), ctx.clock.Now()}));
    }
    for (int i = 0; i < kStatusIndexAttempts; ++i) {
      const uint32_t index = ctx.rng.Uniform(kStatusListSize);
      CITYID_ASSIGN_OR_RETURN(bool used, tx.StatusIndexInUse(list_id, index));
      if (!used) return std::make_pair(list_id, index);
    }
    list_id = std::to_string(std::stoll(list_id) + 1);
  }
  return Error(ErrorId::kStatusListFull, "no free status-list index");
}

Status SetStatusBit(store::Tx& tx, const Context& ctx, const store::CardRow& card) {
  CITYID_ASSIGN_OR_RETURN(auto row, tx.GetStatusList(card.status_list_id));
  if (!row) return Error(ErrorId::kStoreCorrupt, "card's status list is missing");
  CITYID_ASSIGN_OR_RETURN(auto list, credential::StatusList::FromBytes(row->id, row->bits));
  CITYID_RETURN_IF_ERROR(list.Set(card.status_index));
  row->bits = list.ToBytes();
  row->updated_at = ctx.clock.Now();
  return tx.PutStatusList(*row);
}

// Creates a new active card for the person of `app`, storing its digest seed in the record.
Result<IssuedCard> CreateCard(store::Tx& tx, Context& ctx, const Actor& actor,
                              const std::string& person_id, const std::string& application_id) {
  crypto::DataKey dk;
  CITYID_ASSIGN_OR_RETURN(PersonRecord record, OpenPerson(tx, ctx, person_id, &dk));
  CITYID_RETURN_IF_ERROR(
      AppendAudit(tx, ctx, actor, "person.read", person_id, "card issuance"));

  std::string number;
  for (int i = 0; i < 16 && number.empty(); ++i) {
    std::string candidate = NewCardNumber(ctx.rng);
    CITYID_ASSIGN_OR_RETURN(auto existing, tx.GetCard(candidate));
    if (!existing) number = candidate;
  }
  if (number.empty()) return Error(ErrorId::kInternal, "could not find a free card number");
  CITYID_ASSIGN_OR_RETURN(auto slot, AllocateStatusIndex(tx, ctx));

  const UnixSeconds now = ctx.clock.Now();
  const Date today = Date::FromUnix(now);
  store::CardRow card;
  card.number = number;
  card.person_id = person_id;
  card.application_id = application_id;
  card.state = Name(CardState::kActive);
  card.issued_at = now;
  card.expires_at = today.AddYears(ctx.policy.validity_years()).ToUnix() + kSecondsPerDay - 1;
  card.status_list_id = slot.first;
  card.status_index = slot.second;
  card.key_id = ctx.keys.issuer_signer().key_id();
  card.updated_at = now;
  card.subject = NewId("crd_", ctx.rng);

  Bytes seed(32);
  ctx.rng.Fill(seed);
  record.card_seeds.emplace_back(number, seed);
  CITYID_ASSIGN_OR_RETURN(std::string qr, SignCard(ctx, record, card));

  // The card prints the address (and photo) the record holds, so they stay until the card is
  // marked printed or its print window closes (MarkPrinted, PurgeExpired: after-print
  // retention, docs/policy.md).
  const auto& retention = ctx.policy.retention();
  card.retention_due = !retention.keep_address_after_print || !retention.keep_photo_after_print;
  CITYID_RETURN_IF_ERROR(SealPerson(tx, ctx, person_id, dk, record, false));
  CITYID_RETURN_IF_ERROR(tx.InsertCard(card));
  CITYID_RETURN_IF_ERROR(AppendAudit(tx, ctx, actor, "card.issue", CardSubjectOf(card), ""));
  IssuedCard out;
  out.card_number = number;
  out.card_subject = card.subject;
  out.person_id = person_id;
  out.application_id = application_id;
  out.qr_text = std::move(qr);
  out.issued_at = card.issued_at;
  out.expires_at = card.expires_at;
  return out;
}

// The policy's after-print retention (DESIGN §4) applied to a person's record: the address,
// and the photo, are removed unless the policy keeps them; the record is re-keyed so an older
// ciphertext that still holds them becomes unreadable. Does nothing (no write, no log) when
// nothing is left to remove, so applying it again (a second card of the same person) is safe.
Status ApplyRetentionAfterPrint(store::Tx& tx, const Context& ctx, const Actor& actor,
                                const std::string& person_id, std::string_view why) {
  CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(person_id));
  if (!person) return Status::Ok();  // purged meanwhile: nothing is kept
  crypto::DataKey dk;
  CITYID_ASSIGN_OR_RETURN(PersonRecord record, OpenPerson(tx, ctx, person_id, &dk));
  std::string dropped;
  const auto& retention = ctx.policy.retention();
  if (record.address && !retention.keep_address_after_print) {
    record.address.reset();
    dropped = "address";
  }
  if (!record.photo.empty() && !retention.keep_photo_after_print) {
    record.photo.clear();
    record.photo_type.clear();
    dropped += dropped.empty() ? "photo" : ", photo";
  }
  if (dropped.empty()) return Status::Ok();
  CITYID_RETURN_IF_ERROR(SealPerson(tx, ctx, person_id, dk, record, true));
  std::string reason = "retention after print: " + dropped + " removed";
  if (!why.empty()) reason += " (" + std::string(why) + ")";
  return AppendAudit(tx, ctx, actor, "person.update", person_id, reason);
}

// What the application row may say in clear about the vetting: totals, never which documents.
std::string EvaluationSummary(const policy::Evaluation& e) {
  return json{{"satisfied", e.satisfied},
              {"rule", e.rule},
              {"identity_points", e.identity_points},
              {"identity_required", e.identity_required},
              {"residency_points", e.residency_points},
              {"residency_required", e.residency_required},
              {"has_photo_document", e.has_photo_document},
              {"has_dob_document", e.has_dob_document},
              {"documents_presented", e.documents.size()}}
      .dump();
}

std::string CategoryOf(const policy::Policy& policy, std::string_view type) {
  const policy::DocumentType* t = policy.FindDocument(type);
  return t ? std::string(policy::CategoryName(t->category)) : "identity";
}

std::string FlagsJson(const std::vector<DuplicateFlag>& flags) {
  json j = json::array();
  for (const auto& f : flags) {
    j.push_back(json{{"kind", f.kind}, {"other_applications", f.other_applications}});
  }
  return j.dump();
}

// Withdraws open applications and revokes active cards of a person being purged.
Status CloseOutPerson(store::Tx& tx, const Context& ctx, const Actor& actor,
                      std::string_view person_id, PurgeSummary* summary) {
  store::ApplicationFilter af;
  af.person_id = std::string(person_id);
  CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListApplications(af));
  for (auto& app : apps) {
    auto state = ParseApplicationState(app.state);
    if (state && IsAllowed(*state, ApplicationState::kWithdrawn)) {
      app.state = Name(ApplicationState::kWithdrawn);
      app.updated_at = ctx.clock.Now();
      CITYID_RETURN_IF_ERROR(tx.UpdateApplication(app));
      CITYID_RETURN_IF_ERROR(
          AppendAudit(tx, ctx, actor, "application.withdraw", app.id, "record purged"));
      if (summary) ++summary->applications_withdrawn;
    }
  }
  store::CardFilter cf;
  cf.person_id = std::string(person_id);
  cf.states = {Name(CardState::kActive), Name(CardState::kSuspended)};
  CITYID_ASSIGN_OR_RETURN(auto cards, tx.ListCards(cf));
  for (auto& card : cards) {
    CITYID_RETURN_IF_ERROR(TransitionCard(card, CardState::kRevoked));
    card.updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateCard(card));
    CITYID_RETURN_IF_ERROR(SetStatusBit(tx, ctx, card));
    CITYID_RETURN_IF_ERROR(
        AppendAudit(tx, ctx, actor, "card.revoke", CardSubjectOf(card), "record purged"));
    if (summary) ++summary->cards_revoked;
  }
  return Status::Ok();
}

Result<bool> OnHold(store::Tx& tx, std::string_view person_id) {
  store::ApplicationFilter af;
  af.person_id = std::string(person_id);
  CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListApplications(af));
  for (const auto& a : apps) {
    if (!a.hold_reason.empty()) return true;
  }
  return false;
}

}  // namespace

namespace {

// An enrollment vetted, transliterated, blind-indexed and encrypted, ready to commit: everything
// Enroll does before its transaction. Holds no clear personal data but the documents' blind
// indexes and the evaluation (the record itself is sealed).
struct PreparedEnrollment {
  EnrollResult result;
  policy::Evaluation eval;
  std::vector<dedup::DedupKey> name_keys;
  std::vector<Bytes> number_indexes;
  std::string documents_json;  // the application row's checked documents (no types, no numbers)
  std::string site;
  store::PersonRow person;
  UnixSeconds now = 0;
  Bytes access_code_hash;  // empty: no access code (EnrollMany)
};

// `n` in canonical form (base/names.h), each part checked; at least one part set.
Result<PersonName> CanonicalName(const PersonName& n, const std::string& field) {
  PersonName out;
  auto given = names::NormalizeName(n.given, names::Kind::kPart);
  if (!given.ok()) return given.status().WithContext(field + ".given");
  auto family = names::NormalizeName(n.family, names::Kind::kPart);
  if (!family.ok()) return family.status().WithContext(field + ".family");
  out.given = std::move(given).value();
  out.family = std::move(family).value();
  if (out.given.empty() && out.family.empty()) {
    return Error(ErrorId::kMissingField, field + ": give the family name, the given name or both");
  }
  return out;
}

}  // namespace

Result<PrintedLatin> PrintedLatinName(const dedup::NameNormalizer& normalizer,
                                      const PersonName& legal, const std::string& field,
                                      bool need_latin) {
  PrintedLatin out;
  CITYID_ASSIGN_OR_RETURN(out.legal, CanonicalName(legal, field));
  CITYID_ASSIGN_OR_RETURN(out.ascii.given, normalizer.ToAscii(out.legal.given));
  CITYID_ASSIGN_OR_RETURN(out.ascii.family, normalizer.ToAscii(out.legal.family));
  if (names::IsLatin(out.legal.given) && names::IsLatin(out.legal.family)) {
    out.latin = out.legal;  // already Latin: keep diacritics exactly as written
  } else {
    // Machine transliteration of another script: plain ASCII reads better than scholarly
    // marks ("Xiao Ming", not "Xiǎo Míng"). Each part must give a printable Latin part, or the
    // clerk is asked for the applicant's own spelling now rather than failing at issuance.
    auto latin = CanonicalName(out.ascii, field);
    const bool part_lost = (!out.legal.given.empty() && out.ascii.given.empty()) ||
                           (!out.legal.family.empty() && out.ascii.family.empty());
    if (!latin.ok() || part_lost) {
      if (!need_latin) return out;
      return Error(ErrorId::kInvalidName,
                   field + ": cityid cannot spell it in Latin letters for the card; give "
                   "latin_name (as in the applicant's passport)");
    }
    out.latin = *latin;
    out.transliterated = true;
  }
  out.printed = Join(out.latin);
  return out;
}

namespace {

// Uses ctx.names and ctx.rng (not thread-safe), ctx.policy, ctx.keys and ctx.clock.
Result<PreparedEnrollment> PrepareEnrollment(Context& ctx, const ApplicantInput& in,
                                             const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(
      actor, {Role::kClerk, Role::kPartner, Role::kSupervisor, Role::kAdmin}));
  const UnixSeconds now = ctx.clock.Now();
  const Date today = Date::FromUnix(now);
  CITYID_RETURN_IF_ERROR(ctx.policy.CheckAge(in.date_of_birth, today));

  // Vet documents against the policy. Unknown types are input errors; invalid (expired, too
  // old) documents are simply not counted and explained.
  std::vector<policy::PresentedDocument> presented;
  for (size_t i = 0; i < in.documents.size(); ++i) {
    const auto& d = in.documents[i];
    policy::PresentedDocument p{d.type, d.issued, d.expires, !d.number.empty()};
    Status s = ctx.policy.CheckDocument(p, today);
    if (!s.ok() && s.id() != ErrorId::kDocumentNotValid) {
      return s.WithContext("documents[" + std::to_string(i) + "]");
    }
    presented.push_back(std::move(p));
  }
  policy::Evaluation eval = ctx.policy.Evaluate(presented, today);
  if (!eval.satisfied) {
    // What the clerk needs: which presented documents did not count and why, what is missing,
    // and a few documents that would close the gap (the full list is in the evaluation).
    std::string why;
    auto add = [&why](const std::string& part) { why += (why.empty() ? "" : "; ") + part; };
    for (const auto& d : eval.documents) {
      if (!d.accepted) add(d.type + " not accepted (" + d.reason + ")");
    }
    for (const auto& m : eval.missing) add(m);
    for (size_t i = 0; i < eval.suggestions.size() && i < 3; ++i) add(eval.suggestions[i]);
    return Error(ErrorId::kDocumentsInsufficient, why);
  }

  // Names: Latin forms for the card, blind-index keys for dedup. Every name the card will carry
  // is checked here against base/names.h, so that issuing, showing, printing and verifying
  // never meet a name they refuse.
  PersonRecord record;
  // The applicant's own Latin spelling, where given, is what the card prints: then a script ICU
  // cannot spell (Lao, Khmer, Tibetan) is no obstacle.
  CITYID_ASSIGN_OR_RETURN(PrintedLatin spelled,
                          PrintedLatinName(ctx.names, in.legal_name, "legal_name",
                                           !in.latin_name.has_value()));
  record.legal_name = std::move(spelled.legal);
  const PersonName& legal = record.legal_name;
  record.ascii_name = std::move(spelled.ascii);
  EnrollResult result;
  if (in.latin_name) {
    // The applicant's own Latin spelling (e.g. from their passport) beats any transliteration.
    CITYID_ASSIGN_OR_RETURN(record.latin_name, CanonicalName(*in.latin_name, "latin_name"));
    if (!names::IsLatin(record.latin_name.given) || !names::IsLatin(record.latin_name.family)) {
      return Error(ErrorId::kInvalidName, "latin_name: must be written in Latin letters");
    }
  } else {
    record.latin_name = std::move(spelled.latin);
    result.latin_name_transliterated = spelled.transliterated;
  }
  result.latin_name = record.latin_name;
  result.printed_name = Join(record.latin_name);
  CITYID_ASSIGN_OR_RETURN(record.preferred_name,
                          names::NormalizeName(in.preferred_name, names::Kind::kPart));
  record.date_of_birth = in.date_of_birth;
  record.gender = in.gender;
  record.veteran = in.veteran;
  record.address = in.address;
  record.photo = in.photo;
  record.photo_type = in.photo_type;
  record.language = in.language;

  auto keyed = dedup::NameDobKeys(ctx.names, ctx.keys.blind_indexer(), legal.given, legal.family,
                                  in.date_of_birth);
  if (!keyed.ok() && keyed.status().id() == ErrorId::kInvalidArgument) {
    // A script ICU cannot transliterate (Lao, Khmer, Tibetan) leaves no token to key on: the
    // applicant's own Latin spelling, required above for such names, stands in.
    keyed = dedup::NameDobKeys(ctx.names, ctx.keys.blind_indexer(), record.latin_name.given,
                               record.latin_name.family, in.date_of_birth);
  }
  CITYID_ASSIGN_OR_RETURN(auto name_keys, std::move(keyed));
  std::vector<Bytes> number_indexes(in.documents.size());
  for (size_t i = 0; i < in.documents.size(); ++i) {
    if (in.documents[i].number.empty()) continue;
    // Only identity documents feed reuse detection: residency papers (a utility bill, a lease)
    // are legitimately shared by a household.
    const policy::DocumentType* type = ctx.policy.FindDocument(in.documents[i].type);
    if (type == nullptr || type->category == policy::Category::kResidency) continue;
    auto key = dedup::DocumentKey(ctx.keys.blind_indexer(), in.documents[i].type,
                                  in.documents[i].number);
    if (!key.ok()) return key.status().WithContext("documents[" + std::to_string(i) + "].number");
    number_indexes[i] = key->mac;
  }

  result.person_id = NewId("per_", ctx.rng);
  result.application_id = NewId("app_", ctx.rng);
  result.evaluation_json = eval.ToJson();
  result.explanation = eval.Explain();
  record.evaluation_json = result.evaluation_json;

  crypto::DataKey dk = crypto::NewDataKey(ctx.rng);
  store::PersonRow person;
  person.id = result.person_id;
  person.wrapped_key = crypto::WrapDataKey(ctx.keys.kek(), dk, person.id, ctx.rng);
  {
    std::string json_text = record.ToJson();
    person.sealed = crypto::SealRecord(dk, person.id, kRecordSchema, AsBytes(json_text), ctx.rng);
    sodium_memzero(json_text.data(), json_text.size());
  }
  person.schema_version = kRecordSchema;
  person.created_at = person.updated_at = now;

  PreparedEnrollment out;
  out.result = std::move(result);
  out.eval = std::move(eval);
  out.name_keys = std::move(name_keys);
  out.number_indexes = std::move(number_indexes);
  {
    nlohmann::json docs = nlohmann::json::array();
    for (size_t i = 0; i < in.documents.size(); ++i) {
      const auto& dr = out.eval.documents[i];
      docs.push_back({{"category", CategoryOf(ctx.policy, in.documents[i].type)},
                      {"identity_points", dr.identity_points},
                      {"residency_points", dr.residency_points},
                      {"accepted", dr.accepted ? 1 : 0},
                      {"checked_by", actor.id},
                      {"checked_at", now}});
    }
    out.documents_json = docs.dump();
  }
  out.site = !in.site.empty() ? in.site : (!actor.site.empty() ? actor.site : "city-hall");
  CITYID_RETURN_IF_ERROR(CheckSiteId(out.site));
  out.person = std::move(person);
  out.now = now;
  return out;
}

// The transaction of an enrollment: duplicate search, rows and audit entries. Uses only
// ctx.store, ctx.policy and ctx.clock (safe beside a PrepareEnrollment on another thread).
Result<EnrollResult> CommitEnrollment(Context& ctx, PreparedEnrollment prep, const Actor& actor,
                                      const std::function<Status(store::Tx&)>& in_tx = nullptr) {
  EnrollResult& result = prep.result;
  const policy::Evaluation& eval = prep.eval;
  const auto& name_keys = prep.name_keys;
  const auto& number_indexes = prep.number_indexes;
  const store::PersonRow& person = prep.person;
  const UnixSeconds now = prep.now;

  Status s = ctx.store.Write([&](store::Tx& tx) -> Status {
    // Duplicate search: same name+dob keys, or a document number seen before.
    std::map<std::string, std::set<std::string>> matches;  // kind -> other person ids
    std::vector<Bytes> keys;
    for (const auto& k : name_keys) keys.push_back(k.mac);
    CITYID_ASSIGN_OR_RETURN(auto rows, tx.FindDedupKeys(keys));
    for (const auto& r : rows) matches[r.kind].insert(r.person_id);
    for (const Bytes& idx : number_indexes) {
      if (idx.empty()) continue;
      CITYID_ASSIGN_OR_RETURN(auto persons, tx.FindDocumentIndex(idx));
      for (auto& p : persons) matches["document"].insert(p);
    }
    result.duplicates.clear();
    for (const auto& [kind, persons] : matches) {
      DuplicateFlag flag{kind, {}};
      for (const auto& p : persons) {
        store::ApplicationFilter af;
        af.person_id = p;
        CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListApplications(af));
        for (const auto& a : apps) flag.other_applications.push_back(a.id);
      }
      result.duplicates.push_back(std::move(flag));
    }
    result.state = result.duplicates.empty() ? ApplicationState::kDocumentsChecked
                                             : ApplicationState::kFlagged;

    CITYID_RETURN_IF_ERROR(tx.InsertPerson(person));
    store::ApplicationRow app;
    app.id = result.application_id;
    app.person_id = person.id;
    app.state = Name(result.state);
    app.site = prep.site;
    app.policy_version = ctx.policy.Fingerprint();
    app.evaluation_json = EvaluationSummary(eval);
    app.flags_json = FlagsJson(result.duplicates);
    app.documents_json = std::move(prep.documents_json);
    app.created_by = actor.id;
    app.created_at = app.updated_at = now;
    CITYID_RETURN_IF_ERROR(tx.InsertApplication(app));
    // Checked documents go with the application row; identity documents' number indexes are
    // the person's dedup keys of kind "document" (store.h).
    for (const Bytes& idx : number_indexes) {
      if (!idx.empty()) CITYID_RETURN_IF_ERROR(tx.InsertDedupKey({idx, "document", person.id}));
    }
    for (const auto& k : name_keys) {
      CITYID_RETURN_IF_ERROR(tx.InsertDedupKey({k.mac, k.kind, person.id}));
    }
    if (!prep.access_code_hash.empty()) {
      CITYID_RETURN_IF_ERROR(tx.PutAccessCode(person.id, prep.access_code_hash, now));
    }
    // One entry for the enrollment, about the application (whose row names the person): each
    // entry's subject is a random key in the log's subject index, so a second entry about the
    // new person cost another written page per enrollment and told an auditor nothing more.
    CITYID_RETURN_IF_ERROR(AppendAudit(tx, ctx, actor, "application.enroll", app.id,
                                       std::string("state ") + app.state));
    if (!result.duplicates.empty()) {
      CITYID_RETURN_IF_ERROR(AppendAudit(tx, ctx, actor, "application.flag", app.id,
                                         "possible duplicate"));
    }
    if (in_tx) CITYID_RETURN_IF_ERROR(in_tx(tx));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  // The pair is stored (flags_json) for the supervisor who decides; the answer to staff below
  // supervisor says only "flagged" (result.state).
  if (!MaySeeDuplicatePairs(actor.role)) result.duplicates.clear();
  return result;
}

}  // namespace

bool IsCounterReplaceReason(std::string_view reason) {
  // Empty: Replace's default, "lost or stolen".
  return reason.empty() || reason == "lost" || reason == "stolen" || reason == "lost or stolen" ||
         reason == "damaged";
}

bool MaySeeDuplicatePairs(Role role) {
  return role == Role::kSupervisor || role == Role::kAdmin || role == Role::kSystem;
}

std::string FlagsAsSeenBy(Role role, std::string_view flags_json) {
  if (MaySeeDuplicatePairs(role)) return std::string(flags_json);
  const json flags = json::parse(flags_json, nullptr, false);
  const bool flagged = flags.is_array() && !flags.empty();
  return json{{"flagged_for_review", flagged}}.dump();
}

bool InSiteScope(const Actor& actor, std::string_view site) {
  if (actor.role != Role::kPartner) return true;
  return !actor.site.empty() && actor.site == site;
}

Result<store::ApplicationRow> ViewApplication(Context& ctx, std::string_view application_id,
                                              const Actor& actor) {
  CITYID_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClerk, Role::kPartner, Role::kSupervisor, Role::kAdmin}));
  std::optional<store::ApplicationRow> row;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(row, tx.GetApplication(application_id));
    return Status::Ok();
  }));
  // Missing and out of scope are one answer, reached after the same one lookup.
  if (!row || !InSiteScope(actor, row->site)) {
    return Error(ErrorId::kApplicationNotFound, "no application with that id");
  }
  row->flags_json = FlagsAsSeenBy(actor.role, row->flags_json);
  return std::move(*row);
}

Result<store::CardRow> ViewCard(Context& ctx, std::string_view card_number, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClerk, Role::kPartner, Role::kSupervisor, Role::kAdmin}));
  std::optional<store::CardRow> card;
  std::optional<store::ApplicationRow> app;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(card, tx.GetCard(card_number));
    // Always a second lookup, so an unknown card costs what a card of another site costs (a
    // placeholder id no application has when the card is missing).
    CITYID_ASSIGN_OR_RETURN(
        app, tx.GetApplication(card ? card->application_id : std::string("app_none")));
    return Status::Ok();
  }));
  if (!card || !InSiteScope(actor, app ? app->site : std::string_view())) {
    return Error(ErrorId::kCardNotFound, "no card with that number");
  }
  return std::move(*card);
}

Result<EnrollResult> Enroll(Context& ctx, const ApplicantInput& in, const Actor& actor) {
  CITYID_ASSIGN_OR_RETURN(PreparedEnrollment prep, PrepareEnrollment(ctx, in, actor));
  // The applicant's access code for their receipt (core/access_code.h): only its hash is kept.
  std::string code = NewAccessCode(ctx.rng);
  CITYID_ASSIGN_OR_RETURN(std::string canonical, NormalizeAccessCode(code));
  prep.access_code_hash = AccessCodeHash(ctx.keys.blind_indexer(), canonical);
  prep.result.access_code = std::move(code);
  return CommitEnrollment(ctx, std::move(prep), actor);
}

void EnrollMany(Context& ctx, const std::function<std::optional<Result<ApplicantInput>>()>& next,
                const Actor& actor,
                const std::function<void(size_t, Result<EnrollResult>)>& on_result,
                const std::function<Status(store::Tx&, size_t)>& in_commit) {
  // A bounded queue between the preparing thread and this (committing) thread. A short queue
  // is enough to keep both busy and bounds memory whatever the batch size.
  constexpr size_t kDepth = 8;
  std::mutex mu;
  std::condition_variable changed;
  std::deque<std::optional<Result<PreparedEnrollment>>> queue;  // nullopt: end of input
  bool stop = false;

  std::thread worker([&] {
    for (;;) {
      {
        std::unique_lock lock(mu);
        changed.wait(lock, [&] { return stop || queue.size() < kDepth; });
        if (stop) return;
      }
      std::optional<Result<PreparedEnrollment>> item;
      if (auto in = next()) {
        item = in->ok() ? PrepareEnrollment(ctx, **in, actor)
                        : Result<PreparedEnrollment>(in->status());
      }
      const bool end = !item.has_value();
      {
        std::lock_guard lock(mu);
        queue.push_back(std::move(item));
      }
      changed.notify_all();
      if (end) return;
    }
  });
  for (size_t i = 0;; ++i) {
    std::optional<Result<PreparedEnrollment>> item;
    {
      std::unique_lock lock(mu);
      changed.wait(lock, [&] { return !queue.empty(); });
      item = std::move(queue.front());
      queue.pop_front();
    }
    changed.notify_all();
    if (!item) break;
    if (!item->ok()) {
      on_result(i, item->status());
      continue;
    }
    if (in_commit) {
      on_result(i, CommitEnrollment(ctx, std::move(**item), actor,
                                    [&](store::Tx& tx) { return in_commit(tx, i); }));
    } else {
      on_result(i, CommitEnrollment(ctx, std::move(**item), actor));
    }
  }
  {
    std::lock_guard lock(mu);
    stop = true;
  }
  changed.notify_all();
  worker.join();
}

Status Approve(Context& ctx, std::string_view application_id, const Actor& actor,
               std::string_view reason) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kSupervisor, Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckReason(reason));
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto app, LoadApplication(tx, application_id));
    if (app.state == Name(ApplicationState::kFlagged)) {
      if (Blank(reason)) {
        return Error(ErrorId::kFailedPrecondition,
                     "application is flagged as a possible duplicate: approving needs a reason");
      }
      if (app.created_by == actor.id) {
        return Error(ErrorId::kPermissionDenied,
                     "a flagged application must be approved by someone other than who enrolled it");
      }
    }
    CITYID_RETURN_IF_ERROR(TransitionApplication(app, ApplicationState::kApproved));
    app.decided_by = actor.id;
    app.decision_reason = std::string(reason);
    app.updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateApplication(app));
    return AppendAudit(tx, ctx, actor, "application.approve", app.id, reason);
  });
}

Status Reject(Context& ctx, std::string_view application_id, const Actor& actor,
              std::string_view reason, std::string_view category) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kSupervisor, Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckReason(reason));
  if (Blank(reason)) return Error(ErrorId::kMissingField, "reason: required to reject");
  if (!category.empty() && category != "documents" && category != "duplicate" &&
      category != "eligibility" && category != "other") {
    return Error(ErrorId::kInvalidArgument,
                 "reason category: must be documents, duplicate, eligibility or other");
  }
  const std::string logged =
      category.empty() ? std::string(reason) : std::string(category) + ": " + std::string(reason);
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto app, LoadApplication(tx, application_id));
    CITYID_RETURN_IF_ERROR(TransitionApplication(app, ApplicationState::kRejected));
    app.decided_by = actor.id;
    app.decision_reason = std::string(reason);
    app.updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateApplication(app));
    return AppendAudit(tx, ctx, actor, "application.reject", app.id, logged);
  });
}

Result<IssuedCard> Issue(Context& ctx, std::string_view application_id, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kAdmin}));
  IssuedCard out;
  Status s = ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto app, LoadApplication(tx, application_id));
    CITYID_RETURN_IF_ERROR(TransitionApplication(app, ApplicationState::kPrinted));
    CITYID_ASSIGN_OR_RETURN(out, CreateCard(tx, ctx, actor, app.person_id, app.id));
    CITYID_RETURN_IF_ERROR(AppendAudit(tx, ctx, actor, "application.print", app.id, ""));
    CITYID_RETURN_IF_ERROR(TransitionApplication(app, ApplicationState::kIssued));
    app.updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateApplication(app));
    return AppendAudit(tx, ctx, actor, "application.issue", app.id, "");
  });
  if (!s.ok()) return s;
  // The old version of the record (with the address) is unreadable once the old wrapped key is
  // gone from the write-ahead log, i.e. at the next checkpoint: when the CLI process closes the
  // database, or the server's periodic compaction. An explicit purge compacts at once.
  return out;
}

Result<std::string> CardPayload(Context& ctx, std::string_view card_number, const Actor& actor,
                                std::string_view reason) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckReason(reason));
  std::string qr;
  Status s = ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto card, LoadCard(tx, card_number));
    if (card.state != Name(CardState::kActive)) {
      return Error(ErrorId::kInvalidTransition,
                   "card is " + card.state + ": no new payload is signed for it");
    }
    CITYID_ASSIGN_OR_RETURN(PersonRecord record, OpenPerson(tx, ctx, card.person_id));
    CITYID_RETURN_IF_ERROR(AppendAudit(tx, ctx, actor, "person.read", card.person_id,
                                       reason.empty() ? "card payload" : reason));
    CITYID_ASSIGN_OR_RETURN(qr, SignCard(ctx, record, card));
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return qr;
}

Status Revoke(Context& ctx, std::string_view card_number, const Actor& actor,
              std::string_view reason) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kSupervisor, Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckReason(reason));
  if (Blank(reason)) return Error(ErrorId::kMissingField, "reason: required to revoke");
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto card, LoadCard(tx, card_number));
    CITYID_RETURN_IF_ERROR(TransitionCard(card, CardState::kRevoked));
    card.updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateCard(card));
    CITYID_RETURN_IF_ERROR(SetStatusBit(tx, ctx, card));
    return AppendAudit(tx, ctx, actor, "card.revoke", CardSubjectOf(card), reason);
  });
}

namespace {

Result<IssuedCard> Supersede(Context& ctx, std::string_view card_number, const Actor& actor,
                             CardState old_state, const char* action, std::string_view reason) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckReason(reason));
  IssuedCard out;
  Status s = ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto old_card, LoadCard(tx, card_number));
    // A suspended card is under review: renewing or replacing it would lift the suspension.
    if (old_card.state != Name(CardState::kActive)) {
      return Error(ErrorId::kInvalidTransition,
                   "card is " + old_card.state + "; only an active card can be renewed or replaced");
    }
    CITYID_RETURN_IF_ERROR(TransitionCard(old_card, old_state));
    CITYID_ASSIGN_OR_RETURN(out, CreateCard(tx, ctx, actor, old_card.person_id,
                                            old_card.application_id));
    old_card.replaced_by = out.card_number;
    old_card.updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateCard(old_card));
    // A superseded card must stop verifying as valid: set its status bit either way.
    CITYID_RETURN_IF_ERROR(SetStatusBit(tx, ctx, old_card));
    out.replaced = old_card.number;
    return AppendAudit(tx, ctx, actor, action, CardSubjectOf(old_card),
                       std::string(reason) + (reason.empty() ? "" : "; ") + "new card " +
                           out.card_subject);
  });
  if (!s.ok()) return s;
  return out;
}

}  // namespace

Result<IssuedCard> Renew(Context& ctx, std::string_view card_number, const Actor& actor) {
  return Supersede(ctx, card_number, actor, CardState::kReplaced, "card.renew", "");
}

Result<IssuedCard> Replace(Context& ctx, std::string_view card_number, const Actor& actor,
                           std::string_view reason) {
  // Revoking is a supervisor's decision; a clerk replaces only at the holder's report of a lost,
  // stolen or damaged card, and that category is the logged reason (workflow.h, docs/api.md).
  if (actor.role == Role::kClerk && !IsCounterReplaceReason(reason)) {
    return Error(ErrorId::kPermissionDenied,
                 "a clerk replaces a card only for the holder's report: reason lost, stolen, "
                 "\"lost or stolen\" or damaged; ending a card for any other reason is a "
                 "supervisor's revoke");
  }
  return Supersede(ctx, card_number, actor, CardState::kRevoked, "card.replace",
                   reason.empty() ? "lost or stolen" : reason);
}

Result<std::vector<store::CardRow>> PrintQueue(Context& ctx, const Actor& actor, size_t limit) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kAdmin}));
  std::vector<store::CardRow> cards;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    store::CardFilter f;
    f.states = {Name(CardState::kActive)};
    f.unprinted = true;
    f.limit = limit;
    CITYID_ASSIGN_OR_RETURN(cards, tx.ListCards(f));
    return Status::Ok();
  }));
  return cards;
}

Result<store::CardRow> MarkPrinted(Context& ctx, std::string_view card_number, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kAdmin}));
  store::CardRow card;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(card, LoadCard(tx, card_number));
    if (card.state != Name(CardState::kActive)) {
      return Error(ErrorId::kInvalidTransition,
                   "card is " + card.state + ": only an active card is printed");
    }
    if (card.printed_at != 0) {
      return Error(ErrorId::kInvalidTransition, "card is already marked printed");
    }
    const UnixSeconds now = ctx.clock.Now();
    card.printed_at = now;
    card.updated_at = now;
    const bool due = card.retention_due;
    card.retention_due = false;
    CITYID_RETURN_IF_ERROR(tx.UpdateCard(card));
    CITYID_RETURN_IF_ERROR(AppendAudit(tx, ctx, actor, "card.printed", CardSubjectOf(card), ""));
    if (!due) return Status::Ok();
    return ApplyRetentionAfterPrint(tx, ctx, actor, card.person_id, "");
  }));
  return card;
}

Status PurgePerson(Context& ctx, std::string_view person_id, const Actor& actor,
                   std::string_view reason) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckReason(reason));
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(person_id));
    if (!person) return Error(ErrorId::kPersonNotFound, "no person with that id (already purged?)");
    CITYID_ASSIGN_OR_RETURN(bool held, OnHold(tx, person_id));
    if (held) return Error(ErrorId::kFailedPrecondition, "record is under a legal hold");
    CITYID_RETURN_IF_ERROR(CloseOutPerson(tx, ctx, actor, person_id, nullptr));
    CITYID_RETURN_IF_ERROR(tx.DeletePerson(person_id));
    return AppendAudit(tx, ctx, actor, "person.purge", std::string(person_id),
                       reason.empty() ? "applicant request" : reason);
  }));
  return ctx.store.Compact();
}

Result<PurgeSummary> PurgeExpired(Context& ctx, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kSystem}));
  PurgeSummary summary;
  const UnixSeconds now = ctx.clock.Now();
  const auto& ret = ctx.policy.retention();

  auto purge = [&](store::Tx& tx, const std::string& person_id, const char* why) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(person_id));
    if (!person) return Status::Ok();
    CITYID_ASSIGN_OR_RETURN(bool held, OnHold(tx, person_id));
    if (held) {
      ++summary.held;
      return Status::Ok();
    }
    // Keep anyone with a card (in any state: renewals leave replaced cards behind) whose
    // expiry plus the grace period has not passed.
    store::CardFilter cf;
    cf.person_id = person_id;
    CITYID_ASSIGN_OR_RETURN(auto cards, tx.ListCards(cf));
    for (const auto& c : cards) {
      if (c.expires_at + ret.after_card_expiry_days * kSecondsPerDay > now) return Status::Ok();
    }
    CITYID_RETURN_IF_ERROR(CloseOutPerson(tx, ctx, actor, person_id, &summary));
    CITYID_RETURN_IF_ERROR(tx.DeletePerson(person_id));
    ++summary.persons_purged;
    return AppendAudit(tx, ctx, actor, "person.purge", person_id, why);
  };

  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    // 1. Cards past their expiry become `expired`.
    store::CardFilter expired;
    expired.states = {Name(CardState::kActive), Name(CardState::kSuspended)};
    expired.expires_before = now;
    expired.limit = 100000;
    CITYID_ASSIGN_OR_RETURN(auto cards, tx.ListCards(expired));
    for (auto& c : cards) {
      CITYID_RETURN_IF_ERROR(TransitionCard(c, CardState::kExpired));
      c.updated_at = now;
      CITYID_RETURN_IF_ERROR(tx.UpdateCard(c));
      CITYID_RETURN_IF_ERROR(
          AppendAudit(tx, ctx, actor, "card.expire", CardSubjectOf(c), "retention"));
      ++summary.cards_expired;
    }
    // 2. Abandoned applications.
    store::ApplicationFilter abandoned;
    abandoned.states = {"booked", "in_review", "documents_checked", "flagged", "approved"};
    abandoned.updated_before = now - ret.abandoned_application_days * kSecondsPerDay;
    abandoned.person_exists = true;  // purged people's rows stay; never page through them
    abandoned.limit = 100000;
    std::vector<store::ApplicationRow> apps;
    if (ret.abandoned_application_days > 0) {  // 0 disables this rule
      CITYID_ASSIGN_OR_RETURN(apps, tx.ListApplications(abandoned));
      for (const auto& a : apps) {
        CITYID_RETURN_IF_ERROR(purge(tx, a.person_id, "retention: abandoned application"));
      }
    }
    // 3. Rejected applications.
    store::ApplicationFilter rejected;
    rejected.states = {"rejected"};
    rejected.updated_before = now - ret.rejected_application_days * kSecondsPerDay;
    rejected.person_exists = true;
    rejected.limit = 100000;
    if (ret.rejected_application_days > 0) {
      CITYID_ASSIGN_OR_RETURN(apps, tx.ListApplications(rejected));
      for (const auto& a : apps) {
        CITYID_RETURN_IF_ERROR(purge(tx, a.person_id, "retention: rejected application"));
      }
    }
    // 4. Cardholders whose every card expired long enough ago (or was revoked/replaced).
    store::CardFilter old_cards;
    old_cards.expires_before = now - ret.after_card_expiry_days * kSecondsPerDay;
    old_cards.person_exists = true;
    old_cards.limit = 100000;
    CITYID_ASSIGN_OR_RETURN(cards, tx.ListCards(old_cards));
    for (const auto& c : cards) {
      CITYID_RETURN_IF_ERROR(purge(tx, c.person_id, "retention: card expired"));
    }
    // 5. Cards never marked printed within the print window: the after-print retention is
    // applied anyway, so the address is not kept for ever (docs/policy.md). The card stays in
    // the print queue; printed now, it lacks what was removed. A record under a legal hold is
    // kept as it is (the job never changes a held record); its card stays due, so the first
    // run after the hold is released applies it.
    store::CardFilter unprinted;
    unprinted.retention_due_issued_before = now - ret.print_window_days * kSecondsPerDay;
    unprinted.limit = 100000;
    CITYID_ASSIGN_OR_RETURN(cards, tx.ListCards(unprinted));
    for (auto& c : cards) {
      CITYID_ASSIGN_OR_RETURN(bool held, OnHold(tx, c.person_id));
      if (held) continue;
      c.retention_due = false;
      c.updated_at = now;
      CITYID_RETURN_IF_ERROR(tx.UpdateCard(c));
      CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(c.person_id));
      if (!person) continue;  // purged: nothing is left to drop
      CITYID_RETURN_IF_ERROR(ApplyRetentionAfterPrint(
          tx, ctx, actor, c.person_id,
          "not printed within " + std::to_string(ret.print_window_days) + " days of issue"));
      ++summary.print_windows_closed;
    }
    return Status::Ok();
  }));
  // Bookings whose day has passed (core/appointments.h) are deleted, wrapped key and all.
  auto bookings = BookingContextOf(ctx);
  CITYID_RETURN_IF_ERROR(PurgeExpiredBookings(bookings, actor).status());
  if (summary.persons_purged > 0) CITYID_RETURN_IF_ERROR(ctx.store.Compact());
  return summary;
}

Result<std::vector<std::string>> StatusListIds(Context& ctx) {
  std::vector<std::string> ids;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(ids, tx.StatusListIds());
    return Status::Ok();
  }));
  return ids;
}

Result<std::string> ExportStatusList(Context& ctx, std::string_view list_id,
                                     int64_t valid_seconds) {
  std::optional<store::StatusListRow> row;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(row, tx.GetStatusList(list_id));
    return Status::Ok();
  }));
  if (!row) return Error(ErrorId::kNotFound, "no status list with that id");
  CITYID_ASSIGN_OR_RETURN(auto list, credential::StatusList::FromBytes(row->id, row->bits));
  const UnixSeconds now = ctx.clock.Now();
  return list.ToSignedJson(ctx.keys.issuer_signer(), ctx.policy.issuer(), now,
                           now + valid_seconds);
}

Result<Presentation> Present(Context& ctx, std::string_view card_number,
                             const std::vector<int>& disclose, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kAdmin, Role::kSystem}));
  std::string names;
  for (const int key : disclose) {
    const std::string_view name = credential::DisclosureName(key);
    if (name.empty()) return Error(ErrorId::kInvalidArgument, "unknown disclosure key");
    if (key == credential::kC169PhotoFormat) continue;  // part of "photo"
    names += names.empty() ? "" : ",";
    names += name;
  }
  Presentation out;
  Status s = ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto card, LoadCard(tx, card_number));
    const UnixSeconds now = ctx.clock.Now();
    if (card.state == Name(CardState::kRevoked)) {
      return Error(ErrorId::kCardRevoked, "card is revoked: it cannot be presented");
    }
    if (card.state == Name(CardState::kExpired) || card.expires_at <= now) {
      return Error(ErrorId::kCardExpired, "card has expired: it cannot be presented");
    }
    if (card.state != Name(CardState::kActive)) {
      return Error(ErrorId::kInvalidTransition,
                   "card is " + card.state + ": only an active card can be presented");
    }
    CITYID_ASSIGN_OR_RETURN(PersonRecord record, OpenPerson(tx, ctx, card.person_id));
    CITYID_RETURN_IF_ERROR(
        AppendAudit(tx, ctx, actor, "card.present", CardSubjectOf(card), "disclosed: " + names));
    const Bytes* seed = nullptr;
    for (const auto& [number, sd] : record.card_seeds) {
      if (number == card.number) seed = &sd;
    }
    if (!seed) return Error(ErrorId::kStoreCorrupt, "card seed missing from person record");
    // The card as issued (same code), read back through the verifier: its signed digests.
    CITYID_ASSIGN_OR_RETURN(std::string card_qr, SignCard(ctx, record, card));
    const auto card_check = credential::VerifyCard(
        card_qr, ctx.keys.PublicKeys(ctx.policy.issuer()), now, nullptr);
    if (card_check.verdict != credential::Verdict::kValid) {
      return Error(ErrorId::kInternal,
                   "the rebuilt card does not verify: " + card_check.failure.message());
    }
    const credential::CardClaims claims = ClaimsFor(ctx, record, card);
    const credential::CwtMeta meta{ctx.policy.issuer(), card.issued_at, card.expires_at};
    CITYID_ASSIGN_OR_RETURN(
        auto encoded,
        credential::EncodePresentation(claims, meta, *seed, card_check.attribute_digests,
                                       disclose, now, ctx.keys.issuer_signer(), ctx.rng));
    out.card_number = card.number;
    out.qr_text = std::move(encoded.qr_text);
    out.presented_at = now;
    out.expires_at = card.expires_at;
    return Status::Ok();
  });
  if (!s.ok()) return s;
  return out;
}

Result<PersonRecord> ReadPerson(Context& ctx, std::string_view person_id, const Actor& actor,
                                std::string_view reason) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckReason(reason));
  if (Blank(reason)) return Error(ErrorId::kMissingField, "reason: required to read a record");
  std::optional<PersonRecord> record;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(record, OpenPerson(tx, ctx, person_id));
    return AppendAudit(tx, ctx, actor, "person.read", std::string(person_id), reason);
  }));
  return std::move(*record);
}

}  // namespace cityid::core
