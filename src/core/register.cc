#include "core/register.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include <unicode/normalizer2.h>
#include <unicode/unistr.h>

#include "base/date.h"
#include "core/checks.h"
#include "core/ids.h"
#include "crypto/envelope.h"

namespace cityid::core {
namespace {

using nlohmann::json;

constexpr size_t kMaxNote = 500;
constexpr int kNoteSchema = 1;
constexpr int64_t kMaxPersonsCovered = 100'000'000;

template <size_t N>
bool OneOf(const char* const (&set)[N], std::string_view v) {
  return std::any_of(std::begin(set), std::end(set), [&](const char* s) { return v == s; });
}

template <size_t N>
std::string ListOf(const char* const (&set)[N]) {
  std::string out;
  for (const char* s : set) out += (out.empty() ? "" : ", ") + std::string(s);
  return out;
}

Status Append(store::Tx& tx, const Context& ctx, const Actor& actor, std::string action,
              std::string subject, std::string reason) {
  audit::Entry e{ctx.clock.Now(), actor.id, Name(actor.role), actor.site, std::move(action),
                 std::move(subject), std::move(reason)};
  return tx.AppendAudit(e).status();
}

Result<Date> ParseDay(std::string_view field, std::string_view text, const Context& ctx) {
  auto d = Date::Parse(text);
  if (!d.ok()) return d.status().WithContext(field);
  if (*d > Date::FromUnix(ctx.clock.Now())) {
    return Error(ErrorId::kInvalidDate, std::string(field) + ": in the future");
  }
  return *d;
}

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Associated-data name of a hold note: kept apart from the person's record ciphertext.
std::string NoteContext(std::string_view person_id) {
  return std::string(person_id) + "/hold-note";
}

struct Hold {
  std::string category;
  UnixSeconds placed_at = 0;
  std::string placed_by;
  std::string sealed_note;  // base64url, empty when none
};

std::string EncodeHold(const Hold& h) {
  json j{{"category", h.category}, {"placed_at", h.placed_at}, {"placed_by", h.placed_by}};
  if (!h.sealed_note.empty()) j["note_sealed"] = h.sealed_note;
  return j.dump();
}

Result<Hold> DecodeHold(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("category") ||
      !j["category"].is_string()) {
    // A hold written by hand or by an older tool: still a hold (purges respect any non-empty
    // hold_reason), reported under "other".
    return Hold{"other", 0, "", ""};
  }
  Hold h;
  h.category = j["category"].get<std::string>();
  if (!IsHoldCategory(h.category)) h.category = "other";
  if (j.contains("placed_at") && j["placed_at"].is_number_integer()) {
    h.placed_at = j["placed_at"].get<int64_t>();
  }
  if (j.contains("placed_by") && j["placed_by"].is_string()) {
    h.placed_by = j["placed_by"].get<std::string>();
  }
  if (j.contains("note_sealed") && j["note_sealed"].is_string()) {
    h.sealed_note = j["note_sealed"].get<std::string>();
  }
  return h;
}

Result<std::vector<store::ApplicationRow>> ApplicationsOf(store::Tx& tx,
                                                          std::string_view person_id) {
  store::ApplicationFilter af;
  af.person_id = std::string(person_id);
  af.limit = 100000;
  return tx.ListApplications(af);
}

std::string JoinCategories(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

// What the operator is told when a register text looks like it describes a person.
constexpr const char* kDescribeByCategory =
    "; describe the request by category (which records, which site, which period, e.g. "
    "\"enrollment records at East Library, 2026-01-01 to 2026-03-31\"), not by person";

// Personal-data patterns the digit-group scan below does not see (ECMAScript, ASCII).
// Phone numbers: "(212) 555-0187", "+1 (212) 555 0187", "555-0187".
const std::regex& PhoneRe() {
  static const std::regex re(
      R"((\+\d{1,3}[ .-]?)?\(\d{2,4}\)[ .-]?\d{3}[ .-]?\d{4}\b|\b\d{3}[.-]\d{4}\b)");
  return re;
}
// Document-number-like tokens: letters and at least 5 digits, 6+ characters ("AB12345").
const std::regex& DocumentRe() {
  static const std::regex re(
      R"(\b(?=[A-Za-z0-9]*[A-Za-z])(?=(?:[A-Za-z]*[0-9]){5})[A-Za-z0-9]{6,}\b)");
  return re;
}
// A calendar day: 1990-04-12, 1990/4/12, 1990 04 12, 12/04/1990, 4.12.90, 12 April 1990,
// 12-Apr-1990, April 12, 1990. (Text is folded first: FoldForDays.)
const std::regex& DayRe() {
  static const std::string month =
      "(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|"
      "july|august|september|october|november|december)\\.?";
  static const std::regex re(
      "\\b(\\d{4}([-/. ])\\d{1,2}\\2\\d{1,2}|\\d{1,2}([-/.])\\d{1,2}\\3(\\d{4}|\\d{2})|"
      "\\d{1,2}(st|nd|rd|th)?([-/ ]|\\s+of\\s+)" +
          month + "([-/]|,?\\s+)\\d{4}|" + month + "\\s+\\d{1,2}(st|nd|rd|th)?,?\\s+\\d{4})\\b",
      std::regex::ECMAScript | std::regex::icase);
  return re;
}

// The text as the day patterns read it: NFKC (full-width digits become ASCII ones), and the
// Unicode hyphens and dashes as '-', so "１９９０‐０４‐１２" is seen as the day it is.
std::string FoldForDays(std::string_view text) {
  std::string out(text);
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc = icu::Normalizer2::getNFKCInstance(err);
  if (U_SUCCESS(err)) {
    icu::UnicodeString folded = nfkc->normalize(
        icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size()))),
        err);
    if (U_SUCCESS(err)) {
      out.clear();
      folded.toUTF8String(out);
    }
  }
  for (const char* dash : {"\xE2\x80\x90", "\xE2\x80\x91", "\xE2\x80\x92"}) {
    for (size_t at = out.find(dash); at != std::string::npos; at = out.find(dash, at + 1)) {
      out.replace(at, 3, "-");
    }
  }
  return out;
}

std::string LowerForPeriod(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimForPeriod(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == ','))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == ',')) s.remove_suffix(1);
  return s;
}

// Text between two days that makes them the ends of one period ("D to D", "D - D", ...).
bool IsRangeJoin(std::string_view between) {
  const std::string t = LowerForPeriod(TrimForPeriod(between));
  for (const char* j : {"to", "until", "till", "through", "thru", "and", "-", "..", "/",
                        "\xE2\x80\x93" /* en dash */, "\xE2\x80\x94" /* em dash */}) {
    if (t == j) return true;
  }
  return false;
}

// Whether the text before a lone day opens a period ("since D", "after D", "before D").
bool OpensPeriod(std::string_view before) {
  const std::string t = LowerForPeriod(TrimForPeriod(before));
  for (const char* w : {"since", "after", "before", "until"}) {
    const size_t n = std::char_traits<char>::length(w);
    if (t.size() >= n && t.compare(t.size() - n, n, w) == 0 &&
        (t.size() == n || !IsAlnum(t[t.size() - n - 1]))) {
      return true;
    }
  }
  return false;
}

}  // namespace

Status CheckNoPersonalDates(std::string_view field, std::string_view text) {
  const std::string s = FoldForDays(text);
  struct Span {
    size_t begin, end;
  };
  std::vector<Span> days;
  for (auto it = std::sregex_iterator(s.begin(), s.end(), DayRe()); it != std::sregex_iterator();
       ++it) {
    days.push_back(
        {static_cast<size_t>(it->position()), static_cast<size_t>(it->position() + it->length())});
  }
  auto day_text = [&](size_t k) {
    return std::string_view(s).substr(days[k].begin, days[k].end - days[k].begin);
  };
  for (size_t k = 0; k < days.size(); ++k) {
    // A "period" from a day to the same day is that day (a date of birth dressed as a range).
    const bool joined_next =
        k + 1 < days.size() && day_text(k) != day_text(k + 1) &&
        IsRangeJoin(std::string_view(s).substr(days[k].end, days[k + 1].begin - days[k].end));
    const bool joined_prev = k > 0 && day_text(k - 1) != day_text(k) &&
                             IsRangeJoin(std::string_view(s).substr(
                                 days[k - 1].end, days[k].begin - days[k - 1].end));
    if (joined_next || joined_prev || OpensPeriod(std::string_view(s).substr(0, days[k].begin))) {
      continue;
    }
    return Error(ErrorId::kInvalidArgument,
                 std::string(field) +
                     ": holds a calendar day that is not a request period (a date of birth?)" +
                     kDescribeByCategory);
  }
  return Status::Ok();
}

bool IsHoldCategory(std::string_view category) { return OneOf(kHoldCategories, category); }

Status CheckNoApplicantIdentifiers(std::string_view field, std::string_view text) {
  const std::string f(field);
  if (text.find('@') != std::string_view::npos) {
    return Error(ErrorId::kInvalidArgument,
                 f + ": looks like it holds an e-mail address" + kDescribeByCategory);
  }
  const std::string s(text);
  if (std::regex_search(s, PhoneRe())) {
    return Error(ErrorId::kInvalidArgument,
                 f + ": holds what looks like a phone number" + kDescribeByCategory);
  }
  if (std::regex_search(s, DocumentRe())) {
    return Error(ErrorId::kInvalidArgument,
                 f + ": holds what looks like a document number" + kDescribeByCategory);
  }
  for (const char* prefix : {"per_", "app_"}) {
    for (size_t at = text.find(prefix); at != std::string_view::npos;
         at = text.find(prefix, at + 1)) {
      if (at + 4 < text.size() && IsAlnum(text[at + 4]) && (at == 0 || !IsAlnum(text[at - 1]))) {
        return Error(ErrorId::kInvalidArgument,
                     f + ": holds a person or application id; the register describes requests, "
                         "never applicants");
      }
    }
  }
  // Alphanumeric tokens with 6+ digits (document numbers such as G12345678), and digit groups
  // joined by single separators adding up to 9+ digits (card, social-security, phone numbers).
  size_t i = 0;
  while (i < text.size()) {
    if (!IsAlnum(text[i])) {
      ++i;
      continue;
    }
    size_t token_digits = 0;
    size_t group_digits = 0;
    size_t j = i;
    while (j < text.size()) {
      if (IsAlnum(text[j])) {
        if (IsDigit(text[j])) {
          ++token_digits;
          ++group_digits;
        }
        ++j;
        continue;
      }
      const bool separator = text[j] == '-' || text[j] == ' ' || text[j] == '.';
      if (separator && j > i && IsDigit(text[j - 1]) && j + 1 < text.size() &&
          IsDigit(text[j + 1])) {
        if (token_digits >= 6) break;
        token_digits = 0;
        ++j;
        continue;
      }
      break;
    }
    if (token_digits >= 6 || group_digits >= 9) {
      return Error(ErrorId::kInvalidArgument,
                   f +
                       ": holds what looks like a card, document, phone or social-security "
                       "number" +
                       std::string(kDescribeByCategory));
    }
    i = j + 1;
  }
  return Status::Ok();
}

// ---- legal holds ----

Status PlaceHold(Context& ctx, std::string_view person_id, std::string_view category,
                 std::string_view note, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  if (!IsHoldCategory(category)) {
    return Error(ErrorId::kInvalidArgument,
                 "reason category: must be one of " + ListOf(kHoldCategories));
  }
  CITYID_RETURN_IF_ERROR(CheckText("note", note, kMaxNote, false));
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(person_id));
    if (!person) {
      return Error(ErrorId::kPersonNotFound, "no person with that id (purged records cannot be held)");
    }
    CITYID_ASSIGN_OR_RETURN(auto apps, ApplicationsOf(tx, person_id));
    if (apps.empty()) return Error(ErrorId::kStoreCorrupt, "person has no application");
    for (const auto& a : apps) {
      if (!a.hold_reason.empty()) {
        return Error(ErrorId::kAlreadyExists, "the person is already under a legal hold");
      }
    }
    Hold h{std::string(category), ctx.clock.Now(), actor.id, ""};
    if (!note.empty()) {
      CITYID_ASSIGN_OR_RETURN(crypto::DataKey dk,
                              crypto::UnwrapDataKey(ctx.keys.kek(), person->wrapped_key, person_id));
      h.sealed_note = Base64UrlEncode(
          crypto::SealRecord(dk, NoteContext(person_id), kNoteSchema, AsBytes(note), ctx.rng));
    }
    const std::string encoded = EncodeHold(h);
    for (auto& a : apps) {
      a.hold_reason = encoded;
      a.updated_at = ctx.clock.Now();
      CITYID_RETURN_IF_ERROR(tx.UpdateApplication(a));
    }
    return Append(tx, ctx, actor, "hold.place", std::string(person_id), std::string(category));
  });
}

Status ReleaseHold(Context& ctx, std::string_view person_id, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto apps, ApplicationsOf(tx, person_id));
    std::string category;
    for (auto& a : apps) {
      if (a.hold_reason.empty()) continue;
      if (category.empty()) {
        CITYID_ASSIGN_OR_RETURN(Hold h, DecodeHold(a.hold_reason));
        category = h.category;
      }
      a.hold_reason.clear();
      a.updated_at = ctx.clock.Now();
      CITYID_RETURN_IF_ERROR(tx.UpdateApplication(a));
    }
    if (category.empty()) return Error(ErrorId::kNotFound, "the person is not under a legal hold");
    return Append(tx, ctx, actor, "hold.release", std::string(person_id), category);
  });
}

Result<std::vector<HoldInfo>> ListHolds(Context& ctx, const Actor& actor,
                                        std::optional<std::string_view> note_reason) {
  const bool notes = note_reason.has_value();
  if (notes) {
    CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
    CITYID_RETURN_IF_ERROR(CheckText("reason", *note_reason, 200, true));
  } else {
    CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kAuditor}));
  }
  std::vector<HoldInfo> out;
  auto body = [&](store::Tx& tx) -> Status {
    out.clear();
    CITYID_ASSIGN_OR_RETURN(auto apps, tx.ListHeldApplications());
    std::map<std::string, std::pair<HoldInfo, std::string>> by_person;  // info, sealed note
    for (const auto& a : apps) {
      auto [it, fresh] = by_person.try_emplace(a.person_id);
      HoldInfo& info = it->second.first;
      if (fresh) {
        CITYID_ASSIGN_OR_RETURN(Hold h, DecodeHold(a.hold_reason));
        info.person_id = a.person_id;
        info.category = h.category;
        info.placed_at = h.placed_at;
        info.placed_by = h.placed_by;
        info.has_note = !h.sealed_note.empty();
        it->second.second = h.sealed_note;
      }
      info.application_ids.push_back(a.id);
    }
    for (auto& [person_id, entry] : by_person) {
      HoldInfo& info = entry.first;
      if (notes && info.has_note) {
        CITYID_ASSIGN_OR_RETURN(auto person, tx.GetPerson(person_id));
        if (!person) return Error(ErrorId::kStoreCorrupt, "held person's record is missing");
        CITYID_ASSIGN_OR_RETURN(Bytes sealed, Base64UrlDecode(entry.second));
        CITYID_ASSIGN_OR_RETURN(crypto::DataKey dk, crypto::UnwrapDataKey(
                                                        ctx.keys.kek(), person->wrapped_key,
                                                        person_id));
        CITYID_ASSIGN_OR_RETURN(crypto::SecretBytes plain,
                                crypto::OpenRecord(dk, NoteContext(person_id), kNoteSchema, sealed));
        info.note = std::string(AsChars(plain.view()));
        CITYID_RETURN_IF_ERROR(
            Append(tx, ctx, actor, "hold.note_read", person_id, std::string(*note_reason)));
      }
      out.push_back(std::move(info));
    }
    return Status::Ok();
  };
  // Reading notes is logged, so it needs a write transaction; a plain listing does not.
  CITYID_RETURN_IF_ERROR(notes ? ctx.store.Write(body) : ctx.store.Read(body));
  return out;
}

// ---- data-request register ----

Result<std::string> RecordDataRequest(Context& ctx, const DataRequestInput& in,
                                      const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  if (!OneOf(kRequestKinds, in.kind)) {
    return Error(ErrorId::kInvalidArgument, "kind: must be one of " + ListOf(kRequestKinds));
  }
  CITYID_ASSIGN_OR_RETURN(Date received, ParseDay("received", in.received_on, ctx));
  CITYID_RETURN_IF_ERROR(CheckText("requesting body", in.requesting_body, 200, true));
  CITYID_RETURN_IF_ERROR(CheckText("legal basis", in.legal_basis, 300, true));
  CITYID_RETURN_IF_ERROR(CheckText("scope", in.scope, 1000, true));
  CITYID_RETURN_IF_ERROR(CheckNoApplicantIdentifiers("requesting body", in.requesting_body));
  CITYID_RETURN_IF_ERROR(CheckNoApplicantIdentifiers("legal basis", in.legal_basis));
  CITYID_RETURN_IF_ERROR(CheckNoApplicantIdentifiers("scope", in.scope));
  // The scope says which period; a lone calendar day there is most likely a date of birth (the
  // legal basis may cite the day of an order, so only the scope is checked for days).
  CITYID_RETURN_IF_ERROR(CheckNoPersonalDates("scope", in.scope));
  store::DataRequestRow row;
  row.id = NewId("req_", ctx.rng);
  row.kind = in.kind;
  row.received_on = received.ToString();
  row.requesting_body = in.requesting_body;
  row.legal_basis = in.legal_basis;
  row.scope = in.scope;
  row.response = "pending";
  row.recorded_by = actor.id;
  row.created_at = row.updated_at = ctx.clock.Now();
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertDataRequest(row));
    return Append(tx, ctx, actor, "data_request.recorded", row.id, row.kind);
  }));
  return row.id;
}

Status AnswerDataRequest(Context& ctx, std::string_view id, const DataRequestAnswer& answer,
                         const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  if (answer.response == "pending" || !OneOf(kRequestResponses, answer.response)) {
    return Error(ErrorId::kInvalidArgument,
                 "response: must be one of refused, narrowed, complied, withdrawn");
  }
  CITYID_ASSIGN_OR_RETURN(Date responded, ParseDay("responded", answer.responded_on, ctx));
  std::vector<std::string> disclosed;
  for (const auto& c : answer.disclosed) {
    if (!OneOf(kDisclosureCategories, c)) {
      return Error(ErrorId::kInvalidArgument,
                   "disclosed: categories are " + ListOf(kDisclosureCategories));
    }
    if (std::find(disclosed.begin(), disclosed.end(), c) == disclosed.end()) disclosed.push_back(c);
  }
  if (answer.persons_covered < 0 || answer.persons_covered > kMaxPersonsCovered) {
    return Error(ErrorId::kInvalidArgument, "persons covered: out of range");
  }
  const bool nothing_given = answer.response == "refused" || answer.response == "withdrawn";
  if (nothing_given && (!disclosed.empty() || answer.persons_covered != 0)) {
    return Error(ErrorId::kInvalidArgument, "a " + answer.response +
                                                " request discloses nothing: no categories and "
                                                "0 persons covered");
  }
  if (!nothing_given && disclosed.empty()) {
    return Error(ErrorId::kMissingField,
                 "disclosed: say what was handed over (" + ListOf(kDisclosureCategories) + ")");
  }
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetDataRequest(id));
    if (!row) return Error(ErrorId::kNotFound, "no data request with that id");
    if (responded.ToString() < row->received_on) {
      return Error(ErrorId::kInvalidDate, "responded: before the request was received");
    }
    row->response = answer.response;
    row->responded_on = responded.ToString();
    row->disclosed = JoinCategories(disclosed);
    row->persons_covered = answer.persons_covered;
    row->updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateDataRequest(*row));
    return Append(tx, ctx, actor, "data_request.answered", row->id, row->response);
  });
}

Result<std::vector<store::DataRequestRow>> ListDataRequests(Context& ctx, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kAuditor}));
  std::vector<store::DataRequestRow> out;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(out, tx.ListDataRequests());
    return Status::Ok();
  }));
  return out;
}

Result<store::DataRequestRow> GetDataRequest(Context& ctx, std::string_view id,
                                             const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kAuditor}));
  std::optional<store::DataRequestRow> row;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(row, tx.GetDataRequest(id));
    return Status::Ok();
  }));
  if (!row) return Error(ErrorId::kNotFound, "no data request with that id");
  return std::move(*row);
}

}  // namespace cityid::core
