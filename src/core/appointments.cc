#include "core/appointments.h"

#include <sodium.h>
#include <unicode/timezone.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "crypto/envelope.h"
#include "core/checks.h"
#include "core/ids.h"

namespace cityid::core {
namespace {

using nlohmann::json;

constexpr const char* kDayNames[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
// No 0/O, 1/I/L: codes are read out on the phone and typed from paper.
constexpr std::string_view kAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";
constexpr size_t kPinLength = 8;
constexpr int kRecordVersion = 1;
constexpr char kPinKdfContext[crypto_kdf_CONTEXTBYTES + 1] = "cityidAP";
constexpr uint64_t kPinKdfSubkeyId = 1;

Status Append(store::Tx& tx, const BookingContext& ctx, const std::string& actor_id,
              const std::string& role, const std::string& site, std::string action,
              std::string subject, std::string reason) {
  audit::Entry e{ctx.clock.Now(), actor_id, role, site, std::move(action), std::move(subject),
                 std::move(reason)};
  return tx.AppendAudit(e).status();
}
// Applicants act without an account: the audit log says so, with no identity.
Status AppendPublic(store::Tx& tx, const BookingContext& ctx, const std::string& site,
                    const char* action, const std::string& booking_id) {
  return Append(tx, ctx, "public", "applicant", site, action, booking_id, "");
}

Status CheckLanguage(std::string_view lang) {
  // [a-z]{2,3} then (-[A-Za-z0-9]{2,8})*
  auto bad = [] { return Error(ErrorId::kInvalidArgument, "language: a tag like es, zh-Hant, ht"); };
  if (lang.size() < 2 || lang.size() > 16) return bad();
  size_t i = 0;
  while (i < lang.size() && lang[i] >= 'a' && lang[i] <= 'z') ++i;
  if (i < 2 || i > 3) return bad();
  while (i < lang.size()) {
    if (lang[i] != '-') return bad();
    size_t j = ++i;
    while (j < lang.size() && std::isalnum(static_cast<unsigned char>(lang[j]))) ++j;
    if (j - i < 2 || j - i > 8) return bad();
    i = j;
  }
  return Status::Ok();
}

// "HH:MM" to minutes, 00:00..24:00.
std::optional<int> ParseClock(std::string_view t) {
  if (t.size() != 5 || t[2] != ':') return std::nullopt;
  for (size_t i : {0, 1, 3, 4}) {
    if (t[i] < '0' || t[i] > '9') return std::nullopt;
  }
  const int h = (t[0] - '0') * 10 + (t[1] - '0');
  const int m = (t[3] - '0') * 10 + (t[4] - '0');
  if (h > 24 || m > 59 || (h == 24 && m != 0)) return std::nullopt;
  return h * 60 + m;
}

std::string FormatClock(int minutes) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d", minutes / 60, minutes % 60);
  return buf;
}

int DayIndex(std::string_view name) {
  for (int i = 0; i < 7; ++i) {
    if (name == kDayNames[i]) return i;
  }
  return -1;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.push_back(s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) break;
    start = at + 1;
  }
  return out;
}

Status CheckIntervals(std::vector<std::pair<int, int>>& v, const std::string& where) {
  std::sort(v.begin(), v.end());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i].first >= v[i].second) {
      return Error(ErrorId::kInvalidArgument, where + ": an interval must end after it starts");
    }
    if (i > 0 && v[i].first < v[i - 1].second) {
      return Error(ErrorId::kInvalidArgument, where + ": intervals overlap");
    }
  }
  return Status::Ok();
}

// Monday = 0 for a day number since 1970-01-01 (a Thursday).
int Weekday(int64_t days) { return static_cast<int>(((days % 7) + 7 + 3) % 7); }

int64_t FloorDiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// A site's clock: a fixed UTC offset ("-05:00", the original form) or an IANA zone
// ("America/New_York") whose offsets, daylight saving time included, come from ICU's copy of
// the tz database. Immutable once made; copies share the ICU zone, whose const methods are
// thread-safe.
class SiteZone {
 public:
  static Result<SiteZone> Parse(std::string_view text) {
    SiteZone z;
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
      CITYID_ASSIGN_OR_RETURN(z.fixed_, ParseUtcOffset(text));
      return z;
    }
    const Status bad = Error(ErrorId::kInvalidArgument,
                             "timezone: an IANA time zone like America/New_York, or a UTC offset "
                             "like -05:00");
    if (text.empty() || text.size() > kMaxTimeZoneBytes) return bad;
    for (char c : text) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '/' && c != '_' && c != '-' &&
          c != '+') {
        return bad;
      }
    }
    const icu::UnicodeString id =
        icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    icu::UnicodeString canonical;
    UBool system = false;
    UErrorCode status = U_ZERO_ERROR;
    icu::TimeZone::getCanonicalID(id, canonical, system, status);
    if (U_FAILURE(status) || !system) return bad;  // unknown, or a custom "GMT+5" form
    z.zone_.reset(icu::TimeZone::createTimeZone(id));
    if (!z.zone_) return bad;
    return z;
  }

  // Seconds east of UTC in force at instant `t`.
  int64_t OffsetAt(UnixSeconds t) const {
    if (!zone_) return fixed_;
    int32_t raw = 0, dst = 0;
    UErrorCode status = U_ZERO_ERROR;
    zone_->getOffset(static_cast<UDate>(t) * 1000.0, false, raw, dst, status);
    if (U_FAILURE(status)) return 0;
    return (static_cast<int64_t>(raw) + dst) / 1000;
  }
  // The instant of a local wall time (seconds since 1970-01-01T00:00 local): nullopt when it
  // does not exist (skipped when clocks go forward), the earlier one when it occurs twice
  // (clocks go back). Considers the offsets a day either side, so one transition per two days.
  std::optional<UnixSeconds> ToUtc(int64_t local) const {
    std::optional<UnixSeconds> best;
    for (int64_t o : {OffsetAt(local - kSecondsPerDay), OffsetAt(local + kSecondsPerDay)}) {
      const UnixSeconds candidate = local - o;
      if (OffsetAt(candidate) == o && (!best || candidate < *best)) best = candidate;
    }
    return best;
  }
  // The same, but a skipped time maps to where the jump lands (for range bounds).
  UnixSeconds ToUtcLenient(int64_t local) const {
    auto t = ToUtc(local);
    return t ? *t : local - OffsetAt(local - kSecondsPerDay);
  }
  // The instant's local wall time, seconds since 1970-01-01T00:00 local.
  int64_t ToLocal(UnixSeconds t) const { return t + OffsetAt(t); }

 private:
  int64_t fixed_ = 0;
  std::shared_ptr<const icu::TimeZone> zone_;  // null: fixed_
};

struct LoadedSite {
  store::SiteRow row;
  OpeningHours hours;
  SiteZone zone;
  std::vector<std::string> closed;
};

Result<LoadedSite> Load(const store::SiteRow& row) {
  LoadedSite s;
  s.row = row;
  CITYID_ASSIGN_OR_RETURN(s.hours, OpeningHoursFromJson(row.hours_json));
  CITYID_ASSIGN_OR_RETURN(s.zone, SiteZone::Parse(row.timezone));
  json c = json::parse(row.closed_json, nullptr, false);
  if (!c.is_array()) return Error(ErrorId::kStoreCorrupt, "site closures");
  for (const auto& d : c) {
    if (!d.is_string()) return Error(ErrorId::kStoreCorrupt, "site closures");
    s.closed.push_back(d.get<std::string>());
  }
  return s;
}

Result<LoadedSite> GetLoadedSite(store::Tx& tx, std::string_view id) {
  CITYID_ASSIGN_OR_RETURN(auto row, tx.GetSite(id));
  if (!row) return Error(ErrorId::kSiteNotFound, "no site with id '" + std::string(id) + "'");
  return Load(*row);
}

bool IsClosed(const LoadedSite& s, int64_t local_day) {
  const std::string d = Date::FromDays(local_day).ToString();
  return std::find(s.closed.begin(), s.closed.end(), d) != s.closed.end();
}

// kSlotUnavailable unless `start` begins a slot of the site that is open, in the future and
// within the booking horizon.
Status CheckSlot(const LoadedSite& s, UnixSeconds start, UnixSeconds now) {
  if (start <= now) return Error(ErrorId::kSlotUnavailable, "that time has passed");
  if (start > now + kMaxBookingAheadDays * kSecondsPerDay) {
    return Error(ErrorId::kSlotUnavailable, "bookings open at most " +
                                                std::to_string(kMaxBookingAheadDays) +
                                                " days ahead");
  }
  const int64_t local = s.zone.ToLocal(start);
  // The second 01:30 of a night the clocks go back is not a slot: slots are the first one.
  if (s.zone.ToUtc(local) != start) return Error(ErrorId::kSlotUnavailable, "not the start of a slot");
  const int64_t day = FloorDiv(local, kSecondsPerDay);
  const int64_t secs = local - day * kSecondsPerDay;
  if (secs % 60 != 0) return Error(ErrorId::kSlotUnavailable, "not the start of a slot");
  const int minute = static_cast<int>(secs / 60);
  if (IsClosed(s, day)) return Error(ErrorId::kSlotUnavailable, "the site is closed that day");
  for (const auto& [open, close] : s.hours.days[static_cast<size_t>(Weekday(day))]) {
    if (minute >= open && minute + s.row.slot_minutes <= close &&
        (minute - open) % s.row.slot_minutes == 0) {
      return Status::Ok();
    }
  }
  return Error(ErrorId::kSlotUnavailable, "not the start of a slot in the site's opening hours");
}

// The day after the appointment's local date, as UTC: the booking is purged then.
UnixSeconds ExpiryFor(const LoadedSite& s, UnixSeconds start) {
  const int64_t day = FloorDiv(s.zone.ToLocal(start), kSecondsPerDay);
  return s.zone.ToUtcLenient((day + 2) * kSecondsPerDay);
}

std::string RandomCode(Rng& rng, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += kAlphabet[rng.Uniform(static_cast<uint32_t>(kAlphabet.size()))];
  }
  return out;
}

// Uppercase, without spaces and dashes; empty when a character is outside the alphabet.
std::string NormalizeCode(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '-' || c == ' ') continue;
    const char u = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (kAlphabet.find(u) == std::string_view::npos) return "";
    out += u;
  }
  return out;
}

std::string CanonicalReference(std::string_view text) {
  const std::string n = NormalizeCode(text);
  if (n.size() != 8) return "";
  return n.substr(0, 4) + "-" + n.substr(4);
}

Bytes PinHash(const crypto::Keyring& keys, std::string_view reference, std::string_view pin) {
  const crypto::SecretBytes& kek = keys.kek();
  if (kek.size() != crypto_kdf_KEYBYTES) std::abort();  // REQUIRES: a 32-byte KEK
  crypto::SecretBytes key(crypto_generichash_KEYBYTES);
  crypto_kdf_derive_from_key(key.data(), key.size(), kPinKdfSubkeyId, kPinKdfContext, kek.data());
  const std::string msg = "cityid:booking-pin:v1:" + std::string(reference) + ":" + std::string(pin);
  Bytes out(32);
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const uint8_t*>(msg.data()),
                     msg.size(), key.data(), key.size());
  return out;
}

// The live-or-not booking for reference + PIN, compared in constant time.
Result<store::AppointmentRow> Authenticate(store::Tx& tx, const BookingContext& ctx,
                                           std::string_view reference, std::string_view pin) {
  const Status not_found =
      Error(ErrorId::kBookingNotFound, "no booking with that reference and PIN");
  const std::string ref = CanonicalReference(reference);
  const std::string p = NormalizeCode(pin);
  if (ref.empty() || p.size() != kPinLength) return not_found;
  CITYID_ASSIGN_OR_RETURN(auto row, tx.GetAppointmentByReference(ref));
  // Hash even when absent, so timing does not tell whether the reference exists.
  const Bytes h = PinHash(ctx.keys, ref, p);
  if (!row || row->pin_hash.size() != h.size() ||
      sodium_memcmp(row->pin_hash.data(), h.data(), h.size()) != 0) {
    return not_found;
  }
  return *row;
}

bool IsLive(const store::AppointmentRow& r) { return r.state == "booked" || r.state == "moved"; }

// First seat of the slot no live booking holds; kSlotFull when none.
Result<int> FreeSeat(store::Tx& tx, const LoadedSite& s, UnixSeconds start) {
  CITYID_ASSIGN_OR_RETURN(auto taken, tx.TakenSeats(s.row.id, start));
  for (int seat = 0; seat < s.row.capacity; ++seat) {
    if (std::find(taken.begin(), taken.end(), seat) == taken.end()) return seat;
  }
  return Error(ErrorId::kSlotFull, "that slot is fully booked; choose another");
}

Result<BookingStatus> StatusOf(const BookingContext& ctx, const store::AppointmentRow& r) {
  BookingStatus st;
  st.reference = r.reference;
  st.site_id = r.site_id;
  st.slot_start = r.slot_start;
  st.state = r.state;
  st.language = r.language;
  st.expires_at = r.expires_at;
  CITYID_ASSIGN_OR_RETURN(auto dk, crypto::UnwrapDataKey(ctx.keys.kek(), r.wrapped_key, r.id));
  CITYID_ASSIGN_OR_RETURN(auto plain, crypto::OpenRecord(dk, r.id, kRecordVersion, r.sealed));
  json j = json::parse(std::string_view(reinterpret_cast<const char*>(plain.data()), plain.size()),
                       nullptr, false);
  if (!j.is_object() || !j.contains("name") || !j["name"].is_string()) {
    return Error(ErrorId::kDecryptFailed, "booking record malformed");
  }
  st.name = j["name"].get<std::string>();
  st.has_contact = j.contains("contact") && j["contact"].is_string() &&
                   !j["contact"].get<std::string>().empty();
  return st;
}

}  // namespace

Status CheckSiteId(std::string_view id) {
  bool ok = id.size() >= 2 && id.size() <= 32 && id[0] >= 'a' && id[0] <= 'z';
  for (char c : id) ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  if (!ok) {
    return Error(ErrorId::kInvalidArgument,
                 "site id: 2..32 of a-z, 0-9 and -, starting with a letter");
  }
  return Status::Ok();
}

// ---- opening hours ----

Result<OpeningHours> ParseOpeningHours(std::string_view text) {
  OpeningHours h;
  std::array<bool, 7> seen{};
  if (Trim(text).empty()) return Error(ErrorId::kInvalidArgument, "hours: required");
  if (text.size() > 500) return Error(ErrorId::kFieldTooLong, "hours: at most 500 bytes");
  for (std::string_view clause : Split(text, ';')) {
    clause = Trim(clause);
    if (clause.empty()) continue;
    const size_t sp = clause.find(' ');
    const std::string where = "hours '" + std::string(clause) + "'";
    if (sp == std::string_view::npos) {
      return Error(ErrorId::kInvalidArgument, where + ": expected 'DAYS HH:MM-HH:MM'");
    }
    const std::string_view days = clause.substr(0, sp);
    int first = -1, last = -1;
    if (const size_t dash = days.find('-'); dash != std::string_view::npos) {
      first = DayIndex(days.substr(0, dash));
      last = DayIndex(days.substr(dash + 1));
    } else {
      first = last = DayIndex(days);
    }
    if (first < 0 || last < 0 || last < first) {
      return Error(ErrorId::kInvalidArgument, where + ": days are mon..sun, e.g. mon-fri");
    }
    std::vector<std::pair<int, int>> intervals;
    for (std::string_view iv : Split(Trim(clause.substr(sp + 1)), ',')) {
      iv = Trim(iv);
      const size_t dash = iv.find('-');
      auto open = dash == std::string_view::npos ? std::nullopt : ParseClock(iv.substr(0, dash));
      auto close = dash == std::string_view::npos ? std::nullopt : ParseClock(iv.substr(dash + 1));
      if (!open || !close) {
        return Error(ErrorId::kInvalidArgument, where + ": times are HH:MM-HH:MM");
      }
      intervals.emplace_back(*open, *close);
    }
    CITYID_RETURN_IF_ERROR(CheckIntervals(intervals, where));
    for (int d = first; d <= last; ++d) {
      if (seen[static_cast<size_t>(d)]) {
        return Error(ErrorId::kInvalidArgument,
                     std::string("hours: ") + kDayNames[d] + " appears twice");
      }
      seen[static_cast<size_t>(d)] = true;
      h.days[static_cast<size_t>(d)] = intervals;
    }
  }
  return h;
}

std::string OpeningHoursJson(const OpeningHours& h) {
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  for (size_t d = 0; d < 7; ++d) {
    if (h.days[d].empty()) continue;
    auto& arr = j[kDayNames[d]] = nlohmann::ordered_json::array();
    for (const auto& [open, close] : h.days[d]) arr.push_back({FormatClock(open), FormatClock(close)});
  }
  return j.dump();
}

Result<OpeningHours> OpeningHoursFromJson(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  const Status bad = Error(ErrorId::kStoreCorrupt, "site opening hours malformed");
  if (!j.is_object()) return bad;
  OpeningHours h;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const int d = DayIndex(it.key());
    if (d < 0 || !it->is_array()) return bad;
    for (const auto& iv : *it) {
      if (!iv.is_array() || iv.size() != 2 || !iv[0].is_string() || !iv[1].is_string()) return bad;
      auto open = ParseClock(iv[0].get<std::string>());
      auto close = ParseClock(iv[1].get<std::string>());
      if (!open || !close) return bad;
      h.days[static_cast<size_t>(d)].emplace_back(*open, *close);
    }
    if (!CheckIntervals(h.days[static_cast<size_t>(d)], "hours").ok()) return bad;
  }
  return h;
}

Result<int64_t> ParseUtcOffset(std::string_view t) {
  const Status bad = Error(ErrorId::kInvalidArgument, "timezone: a UTC offset like -05:00 or +01:00");
  if (t.size() != 6 || (t[0] != '+' && t[0] != '-')) return bad;
  auto m = ParseClock(t.substr(1));
  if (!m || *m > 14 * 60) return bad;
  return (t[0] == '-' ? -1 : 1) * static_cast<int64_t>(*m) * 60;
}

Result<UnixSeconds> ParseUtcTime(std::string_view t) {
  const Status bad = Error(ErrorId::kInvalidArgument, "slot: a UTC time like 2026-12-02T14:00:00Z");
  if (t.size() != 20 || t[10] != 'T' || t[13] != ':' || t[16] != ':' || t[19] != 'Z') return bad;
  auto date = Date::Parse(t.substr(0, 10));
  if (!date.ok()) return bad;
  auto hm = ParseClock(t.substr(11, 5));
  if (!hm || *hm >= 24 * 60 || !std::isdigit(static_cast<unsigned char>(t[17])) ||
      !std::isdigit(static_cast<unsigned char>(t[18]))) {
    return bad;
  }
  const int sec = (t[17] - '0') * 10 + (t[18] - '0');
  if (sec > 59) return bad;
  return date->ToUnix() + *hm * 60 + sec;
}

std::string FormatUtcTime(UnixSeconds t) {
  const int64_t day = FloorDiv(t, kSecondsPerDay);
  const int64_t s = t - day * kSecondsPerDay;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%sT%02d:%02d:%02dZ", Date::FromDays(day).ToString().c_str(),
                static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
  return buf;
}

// ---- sites ----

Result<store::SiteRow> AddSite(BookingContext& ctx, const SiteInput& in, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckSiteId(in.id));
  CITYID_RETURN_IF_ERROR(CheckText("name", in.name, 120, true));
  CITYID_RETURN_IF_ERROR(CheckText("address", in.address, 200, true));
  if (std::find_if(std::begin(kSiteKinds), std::end(kSiteKinds),
                   [&](const char* k) { return in.kind == k; }) == std::end(kSiteKinds)) {
    return Error(ErrorId::kInvalidArgument, "kind: city_hall, library or partner");
  }
  CITYID_RETURN_IF_ERROR(SiteZone::Parse(in.timezone).status());
  CITYID_ASSIGN_OR_RETURN(OpeningHours hours, ParseOpeningHours(in.hours));
  if (in.slot_minutes < 5 || in.slot_minutes > 240) {
    return Error(ErrorId::kInvalidArgument, "slot minutes: 5..240");
  }
  if (in.capacity < 1 || in.capacity > 100) {
    return Error(ErrorId::kInvalidArgument, "capacity: 1..100 per slot");
  }
  if (in.languages.size() > kMaxSiteLanguages) {
    return Error(ErrorId::kInvalidArgument,
                 "languages: at most " + std::to_string(kMaxSiteLanguages));
  }
  for (size_t i = 0; i < in.languages.size(); ++i) {
    if (!CheckLanguage(in.languages[i]).ok()) {
      return Error(ErrorId::kInvalidArgument, "languages: codes like en, es, zh, ar");
    }
    if (std::find(in.languages.begin(), in.languages.begin() + static_cast<std::ptrdiff_t>(i),
                  in.languages[i]) != in.languages.begin() + static_cast<std::ptrdiff_t>(i)) {
      return Error(ErrorId::kInvalidArgument, "languages: '" + in.languages[i] + "' twice");
    }
  }
  CITYID_RETURN_IF_ERROR(
      CheckText("accessibility", in.accessibility, kMaxAccessibilityBytes, false));
  store::SiteRow row;
  row.id = in.id;
  row.name = in.name;
  row.kind = in.kind;
  row.address = in.address;
  row.timezone = in.timezone;
  row.hours_json = OpeningHoursJson(hours);
  row.slot_minutes = in.slot_minutes;
  row.capacity = in.capacity;
  row.closed_json = "[]";
  row.languages_json = json(in.languages).dump();
  row.accessibility = in.accessibility;
  row.created_at = row.updated_at = ctx.clock.Now();
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    Status s = tx.InsertSite(row);
    if (s.code() == StatusCode::kAlreadyExists) {
      return Error(ErrorId::kSiteExists, "a site with id '" + in.id + "' exists");
    }
    CITYID_RETURN_IF_ERROR(s);
    return Append(tx, ctx, actor.id, Name(actor.role), actor.site, "site.add", row.id, "");
  }));
  return row;
}

Result<std::vector<store::SiteRow>> ListSites(BookingContext& ctx) {
  std::vector<store::SiteRow> out;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(out, tx.ListSites());
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> CloseSiteDay(BookingContext& ctx, std::string_view site_id, Date day,
                             const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin}));
  if (!day.valid()) return Error(ErrorId::kInvalidDate, "date");
  int64_t bookings = 0;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(LoadedSite s, GetLoadedSite(tx, site_id));
    const int64_t local_day = day.DaysSinceEpoch();
    CITYID_ASSIGN_OR_RETURN(auto counts,
                            tx.CountLiveBookings(s.row.id, s.zone.ToUtcLenient(local_day * kSecondsPerDay),
                                                 s.zone.ToUtcLenient((local_day + 1) * kSecondsPerDay)));
    for (const auto& c : counts) bookings += c.second;
    if (IsClosed(s, local_day)) return Status::Ok();
    s.closed.push_back(day.ToString());
    std::sort(s.closed.begin(), s.closed.end());
    s.row.closed_json = json(s.closed).dump();
    s.row.updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateSite(s.row));
    return Append(tx, ctx, actor.id, Name(actor.role), actor.site, "site.close", s.row.id,
                  day.ToString());
  }));
  return bookings;
}

Result<std::vector<Slot>> FreeSlots(BookingContext& ctx, std::string_view site_id, Date from,
                                    Date to) {
  if (!from.valid() || !to.valid() || to < from) {
    return Error(ErrorId::kInvalidArgument, "from..to: two dates, from not after to");
  }
  const int64_t first = from.DaysSinceEpoch();
  const int64_t last = to.DaysSinceEpoch();
  if (last - first + 1 > kMaxSlotRangeDays) {
    return Error(ErrorId::kInvalidArgument,
                 "from..to: at most " + std::to_string(kMaxSlotRangeDays) + " days");
  }
  std::vector<Slot> out;
  const UnixSeconds now = ctx.clock.Now();
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(LoadedSite s, GetLoadedSite(tx, site_id));
    CITYID_ASSIGN_OR_RETURN(auto counts,
                            tx.CountLiveBookings(s.row.id, s.zone.ToUtcLenient(first * kSecondsPerDay),
                                                 s.zone.ToUtcLenient((last + 1) * kSecondsPerDay)));
    size_t ci = 0;
    for (int64_t day = first; day <= last; ++day) {
      if (IsClosed(s, day)) continue;
      for (const auto& [open, close] : s.hours.days[static_cast<size_t>(Weekday(day))]) {
        for (int m = open; m + s.row.slot_minutes <= close; m += s.row.slot_minutes) {
          // A slot whose local time is skipped when the clocks go forward does not exist.
          const auto utc = s.zone.ToUtc(day * kSecondsPerDay + m * 60);
          if (!utc) continue;
          const UnixSeconds start = *utc;
          if (start <= now || start > now + kMaxBookingAheadDays * kSecondsPerDay) continue;
          while (ci < counts.size() && counts[ci].first < start) ++ci;
          const int64_t taken = ci < counts.size() && counts[ci].first == start ? counts[ci].second : 0;
          const int free = s.row.capacity - static_cast<int>(taken);
          if (free <= 0) continue;
          out.push_back(Slot{start, FormatUtcTime(start),
                             Date::FromDays(day).ToString() + "T" + FormatClock(m), free});
        }
      }
    }
    return Status::Ok();
  }));
  return out;
}

// ---- bookings ----

std::string CanonicalBookingReference(std::string_view text) { return CanonicalReference(text); }

BookingQuota::BookingQuota(const Clock& clock, BookingCaps caps)
    : clock_(clock), caps_{std::max(1, caps.per_client), std::max(1, caps.per_client_site_day)} {}

void BookingQuota::Prune(std::vector<Entry>& entries, UnixSeconds now) {
  // A reserved place (no reference yet) stays until committed or aborted.
  std::erase_if(entries, [&](const Entry& e) {
    if (e.reference.empty() || e.slot_start > now) return false;
    client_of_.erase(e.reference);
    return true;
  });
}

Result<uint64_t> BookingQuota::Reserve(std::string_view client, std::string_view site_id,
                                       int64_t day, UnixSeconds slot_start) {
  const UnixSeconds now = clock_.Now();
  std::lock_guard lock(mu_);
  auto& entries = by_client_[std::string(client)];
  Prune(entries, now);
  if (entries.size() >= static_cast<size_t>(caps_.per_client)) {
    return Error(ErrorId::kBookingLimitReached,
                 "this network address already holds " + std::to_string(caps_.per_client) +
                     " bookings that have not taken place; cancel one you no longer need "
                     "(POST /api/v1/appointments/{ref}/cancel) or book at the counter");
  }
  const auto same_day = std::count_if(entries.begin(), entries.end(), [&](const Entry& e) {
    return e.site == site_id && e.day == day;
  });
  if (same_day >= caps_.per_client_site_day) {
    return Error(ErrorId::kBookingLimitReached,
                 "this network address already holds " + std::to_string(caps_.per_client_site_day) +
                     " bookings at this site on that day; choose another day, cancel one you "
                     "no longer need, or book at the counter");
  }
  const uint64_t ticket = next_ticket_++;
  entries.push_back(Entry{ticket, std::string(site_id), day, slot_start, ""});
  return ticket;
}

void BookingQuota::Commit(uint64_t ticket, std::string_view reference) {
  std::lock_guard lock(mu_);
  for (auto& [client, entries] : by_client_) {
    for (Entry& e : entries) {
      if (e.ticket != ticket) continue;
      e.reference = std::string(reference);
      client_of_[e.reference] = client;
      return;
    }
  }
}

void BookingQuota::Abort(uint64_t ticket) {
  std::lock_guard lock(mu_);
  for (auto it = by_client_.begin(); it != by_client_.end(); ++it) {
    auto& entries = it->second;
    const auto n = std::erase_if(entries, [&](const Entry& e) { return e.ticket == ticket; });
    if (n == 0) continue;
    if (entries.empty()) by_client_.erase(it);
    return;
  }
}

BookingQuota::Entry* BookingQuota::Find(std::string_view reference, std::string* client) {
  auto c = client_of_.find(std::string(reference));
  if (c == client_of_.end()) return nullptr;
  *client = c->second;
  auto it = by_client_.find(c->second);
  if (it == by_client_.end()) return nullptr;
  for (Entry& e : it->second) {
    if (e.reference == reference) return &e;
  }
  return nullptr;
}

void BookingQuota::Release(std::string_view reference) {
  std::lock_guard lock(mu_);
  std::string client;
  if (Find(reference, &client) == nullptr) return;
  auto it = by_client_.find(client);
  std::erase_if(it->second, [&](const Entry& e) { return e.reference == reference; });
  if (it->second.empty()) by_client_.erase(it);
  client_of_.erase(std::string(reference));
}

Status BookingQuota::CheckMove(std::string_view reference, std::string_view site_id, int64_t day) {
  std::lock_guard lock(mu_);
  std::string client;
  const Entry* moving = Find(reference, &client);
  if (moving == nullptr || moving->day == day) return Status::Ok();
  const auto& entries = by_client_[client];
  const auto same_day = std::count_if(entries.begin(), entries.end(), [&](const Entry& e) {
    return e.site == site_id && e.day == day && e.reference != reference;
  });
  if (same_day >= caps_.per_client_site_day) {
    return Error(ErrorId::kBookingLimitReached,
                 "the client that booked this appointment already holds " +
                     std::to_string(caps_.per_client_site_day) +
                     " bookings at this site on that day; choose another day");
  }
  return Status::Ok();
}

void BookingQuota::Moved(std::string_view reference, int64_t day, UnixSeconds slot_start) {
  std::lock_guard lock(mu_);
  std::string client;
  if (Entry* e = Find(reference, &client)) {
    e->day = day;
    e->slot_start = slot_start;
  }
}

int BookingQuota::Held(std::string_view client) {
  const UnixSeconds now = clock_.Now();
  std::lock_guard lock(mu_);
  auto it = by_client_.find(std::string(client));
  if (it == by_client_.end()) return 0;
  Prune(it->second, now);
  return static_cast<int>(it->second.size());
}

Result<BookingReceipt> Book(BookingContext& ctx, const BookingInput& in, BookingQuota* quota,
                            std::string_view client) {
  CITYID_RETURN_IF_ERROR(CheckText("name", in.name, 120, true));
  CITYID_RETURN_IF_ERROR(CheckText("contact", in.contact, 200, false));
  CITYID_RETURN_IF_ERROR(CheckLanguage(in.language));
  CITYID_RETURN_IF_ERROR(CheckSiteId(in.site_id));
  const UnixSeconds now = ctx.clock.Now();
  store::AppointmentRow row;
  row.id = NewId("apt_", ctx.rng);
  const std::string pin = RandomCode(ctx.rng, kPinLength);
  {
    json record = {{"name", in.name}, {"contact", in.contact}};
    std::string plain = record.dump();
    crypto::DataKey dk = crypto::NewDataKey(ctx.rng);
    row.wrapped_key = crypto::WrapDataKey(ctx.keys.kek(), dk, row.id, ctx.rng);
    row.sealed = crypto::SealRecord(dk, row.id, kRecordVersion,
                                    ByteView(reinterpret_cast<const uint8_t*>(plain.data()),
                                             plain.size()),
                                    ctx.rng);
    sodium_memzero(plain.data(), plain.size());
  }
  row.site_id = in.site_id;
  row.slot_start = in.slot_start;
  row.language = in.language;
  row.state = "booked";
  row.created_at = row.updated_at = now;
  // The quota's place, held from inside the transaction (where the booking's local day is
  // known) until the outcome is known; a retried transaction body gives back its earlier one.
  std::optional<uint64_t> ticket;
  auto give_back = [&] {
    if (ticket) quota->Abort(*ticket);
    ticket.reset();
  };
  // A reference collision (1 in ~850 billion per pair) is retried with a fresh code.
  for (int attempt = 0;; ++attempt) {
    const std::string code = RandomCode(ctx.rng, 8);
    row.reference = code.substr(0, 4) + "-" + code.substr(4);
    row.pin_hash = PinHash(ctx.keys, row.reference, pin);
    Status s = ctx.store.Write([&](store::Tx& tx) -> Status {
      give_back();
      CITYID_ASSIGN_OR_RETURN(LoadedSite site, GetLoadedSite(tx, in.site_id));
      CITYID_RETURN_IF_ERROR(CheckSlot(site, in.slot_start, now));
      row.expires_at = ExpiryFor(site, in.slot_start);
      if (quota != nullptr) {
        CITYID_ASSIGN_OR_RETURN(ticket,
                                quota->Reserve(client, in.site_id, row.expires_at, in.slot_start));
      }
      CITYID_ASSIGN_OR_RETURN(row.seat, FreeSeat(tx, site, in.slot_start));
      CITYID_ASSIGN_OR_RETURN(auto existing, tx.GetAppointmentByReference(row.reference));
      if (existing) return Error(ErrorId::kAlreadyExists, "reference collision");
      CITYID_RETURN_IF_ERROR(tx.InsertAppointment(row));
      return AppendPublic(tx, ctx, row.site_id, "appointment.book", row.id);
    });
    if (s.ok()) break;
    give_back();
    if (s.id() == ErrorId::kAlreadyExists && attempt < 3) continue;
    return s;
  }
  if (ticket) quota->Commit(*ticket, row.reference);
  return BookingReceipt{row.reference, pin, row.site_id, row.slot_start, row.expires_at};
}

Result<BookingStatus> GetBooking(BookingContext& ctx, std::string_view reference,
                                 std::string_view pin) {
  std::optional<store::AppointmentRow> row;
  CITYID_RETURN_IF_ERROR(ctx.store.Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(row, Authenticate(tx, ctx, reference, pin));
    return Status::Ok();
  }));
  return StatusOf(ctx, *row);
}

Result<BookingStatus> MoveBooking(BookingContext& ctx, std::string_view reference,
                                  std::string_view pin, UnixSeconds new_slot, BookingQuota* quota) {
  const UnixSeconds now = ctx.clock.Now();
  store::AppointmentRow row;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(row, Authenticate(tx, ctx, reference, pin));
    if (!IsLive(row)) {
      return Error(ErrorId::kFailedPrecondition, "the booking is " + row.state);
    }
    if (row.slot_start <= now) {
      return Error(ErrorId::kFailedPrecondition, "the appointment has already started");
    }
    CITYID_ASSIGN_OR_RETURN(LoadedSite site, GetLoadedSite(tx, row.site_id));
    CITYID_RETURN_IF_ERROR(CheckSlot(site, new_slot, now));
    if (new_slot == row.slot_start) {
      return Error(ErrorId::kSlotUnavailable, "that is the booking's current slot");
    }
    CITYID_ASSIGN_OR_RETURN(row.seat, FreeSeat(tx, site, new_slot));
    row.slot_start = new_slot;
    row.state = "moved";
    row.updated_at = now;
    row.expires_at = ExpiryFor(site, new_slot);
    if (quota != nullptr) {
      CITYID_RETURN_IF_ERROR(quota->CheckMove(row.reference, row.site_id, row.expires_at));
    }
    CITYID_RETURN_IF_ERROR(tx.UpdateAppointment(row));
    return AppendPublic(tx, ctx, row.site_id, "appointment.move", row.id);
  }));
  if (quota != nullptr) quota->Moved(row.reference, row.expires_at, row.slot_start);
  return StatusOf(ctx, row);
}

Status CancelBooking(BookingContext& ctx, std::string_view reference, std::string_view pin) {
  return ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto row, Authenticate(tx, ctx, reference, pin));
    if (!IsLive(row)) return Error(ErrorId::kFailedPrecondition, "the booking is " + row.state);
    row.state = "cancelled";
    row.updated_at = ctx.clock.Now();
    CITYID_RETURN_IF_ERROR(tx.UpdateAppointment(row));
    return AppendPublic(tx, ctx, row.site_id, "appointment.cancel", row.id);
  });
}

const char* AttendanceState(Attendance a) {
  return a == Attendance::kAttended ? "attended" : "no_show";
}

Result<AttendanceRecord> RecordAttendance(BookingContext& ctx, std::string_view reference,
                                          Attendance outcome, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kPartner, Role::kAdmin}));
  const std::string ref = CanonicalReference(reference);
  if (ref.empty()) return Error(ErrorId::kBookingNotFound, "no booking with that reference");
  const UnixSeconds now = ctx.clock.Now();
  store::AppointmentRow row;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto found, tx.GetAppointmentByReference(ref));
    if (!found) return Error(ErrorId::kBookingNotFound, "no booking with that reference");
    row = std::move(*found);
    // Checked before the state, so a partner learns nothing about other sites' bookings: not
    // even that the reference exists (the same answer as an unknown one, after the same lookup).
    if (actor.role == Role::kPartner && (actor.site.empty() || actor.site != row.site_id)) {
      return Error(ErrorId::kBookingNotFound, "no booking with that reference");
    }
    if (!IsLive(row)) {
      return Error(ErrorId::kInvalidTransition,
                   "the booking is " + row.state + "; only a booked appointment can be marked");
    }
    if (outcome == Attendance::kAttended && now < row.slot_start - kSecondsPerDay) {
      return Error(ErrorId::kFailedPrecondition,
                   "the appointment is more than a day away; mark it attended on the day");
    }
    if (outcome == Attendance::kNoShow && now < row.slot_start) {
      return Error(ErrorId::kFailedPrecondition,
                   "the appointment has not started; a no-show is recorded after its time");
    }
    row.state = AttendanceState(outcome);
    row.updated_at = now;
    CITYID_RETURN_IF_ERROR(tx.UpdateAppointment(row));
    return Append(tx, ctx, actor.id, Name(actor.role), actor.site,
                  std::string("appointment.") + row.state, row.id, "");
  }));
  return AttendanceRecord{row.reference, row.site_id, row.slot_start, row.state};
}

Result<SiteDay> ListSiteAppointments(BookingContext& ctx, std::string_view site_id,
                                     std::optional<Date> day, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(
      RequireRole(actor, {Role::kClerk, Role::kSupervisor, Role::kPartner, Role::kAdmin}));
  CITYID_RETURN_IF_ERROR(CheckSiteId(site_id));
  if (day && !day->valid()) return Error(ErrorId::kInvalidArgument, "date: YYYY-MM-DD");
  const Status not_found =
      Error(ErrorId::kSiteNotFound, "no site with id '" + std::string(site_id) + "'");
  // Before any lookup, so a partner cannot tell another site from a missing one.
  if (actor.role == Role::kPartner && (actor.site.empty() || actor.site != site_id)) {
    return not_found;
  }
  SiteDay out;
  CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
    out.appointments.clear();
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetSite(site_id));
    if (!row) return not_found;
    CITYID_ASSIGN_OR_RETURN(LoadedSite s, Load(*row));
    out.site_id = s.row.id;
    out.timezone = s.row.timezone;
    const int64_t d = day ? day->DaysSinceEpoch()
                          : FloorDiv(s.zone.ToLocal(ctx.clock.Now()), kSecondsPerDay);
    out.day = Date::FromDays(d);
    CITYID_ASSIGN_OR_RETURN(
        auto rows, tx.ListAppointments(s.row.id, s.zone.ToUtcLenient(d * kSecondsPerDay),
                                       s.zone.ToUtcLenient((d + 1) * kSecondsPerDay),
                                       kMaxDayAppointments + 1));
    out.truncated = rows.size() > kMaxDayAppointments;
    if (out.truncated) rows.resize(kMaxDayAppointments);
    for (const auto& r : rows) {
      CITYID_ASSIGN_OR_RETURN(BookingStatus st, StatusOf(ctx, r));
      const int64_t local = s.zone.ToLocal(r.slot_start);
      const int64_t local_day = FloorDiv(local, kSecondsPerDay);
      const int minute = static_cast<int>((local - local_day * kSecondsPerDay) / 60);
      out.appointments.push_back(SiteAppointment{
          r.reference, r.slot_start,
          Date::FromDays(local_day).ToString() + "T" + FormatClock(minute), r.state, r.language,
          std::move(st.name)});
      CITYID_RETURN_IF_ERROR(Append(tx, ctx, actor.id, Name(actor.role), actor.site,
                                    "appointment.read", r.id,
                                    "counter: the day's appointments"));
    }
    return Status::Ok();
  }));
  return out;
}

Result<int64_t> PurgeExpiredBookings(BookingContext& ctx, const Actor& actor) {
  CITYID_RETURN_IF_ERROR(RequireRole(actor, {Role::kAdmin, Role::kSystem}));
  int64_t purged = 0;
  const UnixSeconds now = ctx.clock.Now();
  while (true) {
    int64_t batch = 0;
    CITYID_RETURN_IF_ERROR(ctx.store.Write([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(auto ids, tx.ExpiredAppointmentIds(now, 1000));
      for (const auto& id : ids) {
        CITYID_RETURN_IF_ERROR(tx.DeleteAppointment(id));
        CITYID_RETURN_IF_ERROR(Append(tx, ctx, actor.id, Name(actor.role), actor.site,
                                      "appointment.purge", id, "retention: after the appointment"));
      }
      batch = static_cast<int64_t>(ids.size());
      return Status::Ok();
    }));
    purged += batch;
    if (batch < 1000) break;
  }
  return purged;
}

}  // namespace cityid::core
