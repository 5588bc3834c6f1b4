#pragma once
// Sites and appointments (issue 4, DESIGN §1-2): where and when applicants enroll.
//
// A site (City Hall, a library branch, a community partner) has weekly opening hours, a slot
// length, a capacity per slot and closure dates, all in its own local time: an IANA time zone
// ("America/New_York", daylight saving time followed through ICU's tz data) or, as sites made
// before zones were supported have it, a fixed UTC offset ("-05:00", never adjusted). On the
// night clocks go forward a skipped local time is no slot; when they go back, a repeated local
// time is one slot, the first.
//
// A booking stores only what the appointment needs (DESIGN §1): a name to call and an optional
// contact, sealed together (XChaCha20-Poly1305) under the booking's own random data key, which
// the KEK wraps (crypto/envelope.h), plus the language. It is deleted, key and all, once its
// day has passed (PurgeExpiredBookings; `cityid purge --expired`). Applicants have no account:
// a booking is reached by a reference code and a PIN, both random over an alphabet without
// look-alike characters (no 0/O, 1/I/L). The PIN is stored as a keyed BLAKE2b hash under a
// key derived from the KEK, not Argon2id: it is random (~40 bits), not chosen by a person, so
// stretching adds little against an offline attacker who lacks the KEK and cannot compute the
// hash at all, while 64 MiB of Argon2id per public, unauthenticated request would let anyone
// exhaust the server; online guessing is bounded by the HTTP per-address rate limit. PINs are
// compared in constant time (sodium_memcmp).
//
// Double booking is impossible: the seat count check and the insert run in one write
// transaction (writers are serialized, across processes too), and a UNIQUE index over (site,
// slot, seat) of live bookings backs it in the database.
//
// Every change appends an audit entry in the same transaction whose subject is the booking id
// (or the site id) and which holds no personal data.

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/date.h"
#include "base/rng.h"
#include "base/status.h"
#include "core/types.h"
#include "core/workflow.h"
#include "crypto/keyring.h"
#include "store/store.h"

namespace cityid::core {

// What appointments need; a subset of Context (the HTTP server has no name normalizer).
struct BookingContext {
  store::Store& store;
  const crypto::Keyring& keys;
  const Clock& clock;
  Rng& rng;
};
inline BookingContext BookingContextOf(Context& ctx) {
  return BookingContext{ctx.store, ctx.keys, ctx.clock, ctx.rng};
}

inline constexpr const char* kSiteKinds[] = {"city_hall", "library", "partner"};
inline constexpr int kMaxSlotRangeDays = 62;    // one slots query
inline constexpr int kMaxBookingAheadDays = 120;

// Weekly opening hours in local minutes since midnight, Monday first.
struct OpeningHours {
  std::array<std::vector<std::pair<int, int>>, 7> days;  // [open, close) intervals, sorted
};

// Parses "mon-fri 09:00-17:00; sat 10:00-13:00" (days: mon tue wed thu fri sat sun, single or a
// range; one or more comma-separated intervals per clause; a day may appear in one clause
// only). kInvalidArgument naming the problem.
Result<OpeningHours> ParseOpeningHours(std::string_view text);
// JSON form stored with the site: {"mon":[["09:00","17:00"]],...} (open days only).
std::string OpeningHoursJson(const OpeningHours& h);
Result<OpeningHours> OpeningHoursFromJson(std::string_view json);

// The one rule for a site id (sites, bookings, staff, enrollment): 2..32 of a-z, 0-9 and -,
// starting with a letter, so it is safe in a path, a URL and a log line. kInvalidArgument.
Status CheckSiteId(std::string_view id);

// "+HH:MM" / "-HH:MM" (within ±14:00) to seconds east of UTC; kInvalidArgument otherwise.
Result<int64_t> ParseUtcOffset(std::string_view text);

inline constexpr size_t kMaxTimeZoneBytes = 64;

struct SiteInput {
  std::string id;         // lowercase [a-z0-9-], 2..32, starts with a letter
  std::string name;       // at most 120 bytes
  std::string kind;       // kSiteKinds
  std::string address;    // the site's own address, at most 200 bytes
  std::string timezone;   // IANA id ("America/New_York") or UTC offset (ParseUtcOffset)
  std::string hours;      // ParseOpeningHours
  int slot_minutes = 30;  // 5..240
  int capacity = 1;       // 1..100
  // Optional, for applicants choosing a site: the languages its staff speak (language codes as
  // the policy's `languages` writes them, e.g. "en", "es"; at most kMaxSiteLanguages, no
  // repeats) and access notes (step-free entrance, hearing loop...; at most 500 bytes).
  std::vector<std::string> languages;
  std::string accessibility;
};
inline constexpr size_t kMaxSiteLanguages = 20;
inline constexpr size_t kMaxAccessibilityBytes = 500;

// Adds a site. kInvalidArgument (bad field, unknown time zone), kSiteExists, kPermissionDenied (not admin).
// Appends `site.add` (subject site id). REQUIRES role admin.
Result<store::SiteRow> AddSite(BookingContext& ctx, const SiteInput& in, const Actor& actor);

// Every site, by id.
Result<std::vector<store::SiteRow>> ListSites(BookingContext& ctx);

// Closes a site on `day` (a holiday or closure): no slots are offered or booked that day.
// Returns how many live bookings already fall on it (they stay; staff should tell them).
// kSiteNotFound, kPermissionDenied; closing a closed day again is a no-op. Appends `site.close`
// (subject site id, reason = the date). REQUIRES role admin.
Result<int64_t> CloseSiteDay(BookingContext& ctx, std::string_view site_id, Date day,
                             const Actor& actor);

struct Slot {
  UnixSeconds start = 0;  // UTC
  std::string start_utc;  // "2026-12-02T14:00:00Z"
  std::string local;      // "2026-12-02T09:00" in the site's time
  int free = 0;
};

// Free slots of a site for local dates from..to (inclusive, at most kMaxSlotRangeDays):
// opening hours, capacity minus live bookings, closures, nothing that starts at or before now
// or more than kMaxBookingAheadDays ahead. Full slots are omitted. kSiteNotFound,
// kInvalidArgument (range).
Result<std::vector<Slot>> FreeSlots(BookingContext& ctx, std::string_view site_id, Date from,
                                    Date to);

// "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds; kInvalidArgument otherwise.
Result<UnixSeconds> ParseUtcTime(std::string_view text);
std::string FormatUtcTime(UnixSeconds t);

struct BookingInput {
  std::string site_id;
  UnixSeconds slot_start = 0;
  std::string name;      // the name to call; 1..120 bytes of UTF-8, no control characters
  std::string contact;   // optional, for reminders; at most 200 bytes
  std::string language;  // BCP 47-ish: [a-z]{2,3}(-[A-Za-z0-9]{2,8})*, at most 16 bytes
};

struct BookingReceipt {
  std::string reference;  // "XXXX-XXXX"
  std::string pin;        // 8 characters; shown once, never stored
  std::string site_id;
  UnixSeconds slot_start = 0;
  UnixSeconds expires_at = 0;
};

// Caps on the live bookings one client holds (issue 14 §3: one anonymous client booked all
// 240 seats of a site in 0.4 s). A client is an opaque key the caller chooses (the HTTP server:
// the client's address, http/client_address.h); a booking counts against it from the moment
// its seat is taken until it is cancelled (Release) or its slot starts. In memory, per
// process: a restart forgets who booked what (the bookings themselves are untouched), and
// nothing here is written anywhere. Thread-safe; a place is reserved before the seat is taken,
// so concurrent bookings from one client cannot overshoot a cap.
struct BookingCaps {
  int per_client = 3;           // live bookings in all
  int per_client_site_day = 2;  // live bookings at one site on one local day
};

class BookingQuota {
 public:
  // Borrowed: `clock` must outlive the quota. Caps below 1 count as 1.
  BookingQuota(const Clock& clock, BookingCaps caps);

  // Holds a place for one more booking of `client` at `site_id` on the local day `day` (any
  // value equal exactly for bookings of the same local day: Book passes the booking's
  // expires_at) whose slot starts at `slot_start`. kBookingLimitReached, naming the cap, when
  // `client` already holds as many. The ticket is then Committed or Aborted.
  Result<uint64_t> Reserve(std::string_view client, std::string_view site_id, int64_t day,
                           UnixSeconds slot_start);
  void Commit(uint64_t ticket, std::string_view reference);
  void Abort(uint64_t ticket);
  // The booking was cancelled: it no longer counts. Unknown references are ignored.
  void Release(std::string_view reference);
  // kBookingLimitReached when moving the booking `reference` to `day` at `site_id` would give
  // the client that booked it more than per_client_site_day there (unknown references: Ok).
  Status CheckMove(std::string_view reference, std::string_view site_id, int64_t day);
  // The booking moved to another slot (same site): its day and start follow it.
  void Moved(std::string_view reference, int64_t day, UnixSeconds slot_start);
  // Live bookings `client` holds now (tests, metrics).
  int Held(std::string_view client);

  const BookingCaps& caps() const { return caps_; }

 private:
  struct Entry {
    uint64_t ticket = 0;
    std::string site;
    int64_t day = 0;
    UnixSeconds slot_start = 0;
    std::string reference;  // empty while reserved
  };
  void Prune(std::vector<Entry>& entries, UnixSeconds now);
  Entry* Find(std::string_view reference, std::string* client);

  const Clock& clock_;
  const BookingCaps caps_;
  std::mutex mu_;
  uint64_t next_ticket_ = 1;
  std::unordered_map<std::string, std::vector<Entry>> by_client_;
  std::unordered_map<std::string, std::string> client_of_;  // reference -> client
};

// Books a seat. kInvalidArgument (fields), kSiteNotFound, kSlotUnavailable (not a slot of
// the site's hours, closed, past, too far ahead), kSlotFull; with a `quota`,
// kBookingLimitReached when `client` holds as many live bookings as a cap allows (nothing is
// written). Appends `appointment.book`.
Result<BookingReceipt> Book(BookingContext& ctx, const BookingInput& in,
                            BookingQuota* quota = nullptr, std::string_view client = {});

// A booking reference as given by a person ("abcd efgh", "ABCD-EFGH") in its canonical form
// "ABCD-EFGH", or "" when it cannot be one. For keys such as per-booking rate limits.
std::string CanonicalBookingReference(std::string_view text);

struct BookingStatus {
  std::string reference;
  std::string site_id;
  UnixSeconds slot_start = 0;
  std::string state;      // booked, moved, cancelled, attended, no_show
  std::string language;
  std::string name;       // decrypted for the holder of the PIN
  bool has_contact = false;
  UnixSeconds expires_at = 0;
};

// The booking for the holder of reference + PIN. kBookingNotFound when either is wrong (the
// same answer, so a wrong PIN does not confirm the reference exists). No audit entry: reading
// one's own booking changes nothing.
Result<BookingStatus> GetBooking(BookingContext& ctx, std::string_view reference,
                                 std::string_view pin);

// Moves a live booking to another slot of the same site (same checks as Book). kBookingNotFound,
// kFailedPrecondition (cancelled, attended or already started), kSlotUnavailable, kSlotFull;
// with a `quota`, kBookingLimitReached when the new day is full for the client that booked it
// (BookingQuota::CheckMove), and the quota follows the move. Appends `appointment.move`.
Result<BookingStatus> MoveBooking(BookingContext& ctx, std::string_view reference,
                                  std::string_view pin, UnixSeconds new_slot,
                                  BookingQuota* quota = nullptr);

// Cancels a live booking; its seat is free at once. kBookingNotFound, kFailedPrecondition (not
// live). Appends `appointment.cancel`.
Status CancelBooking(BookingContext& ctx, std::string_view reference, std::string_view pin);

// What staff record at the counter about a live booking.
enum class Attendance { kAttended, kNoShow };
// "attended", "no_show" (the booking's state afterwards).
const char* AttendanceState(Attendance a);

struct AttendanceRecord {
  std::string reference;
  std::string site_id;
  UnixSeconds slot_start = 0;
  std::string state;  // attended, no_show
};

// Staff mark a live booking (booked, or moved to a new slot) attended or a no-show, by its
// reference alone (staff do not hold the applicant's PIN). The only transitions are
// booked|moved -> attended|no_show; anything else is kInvalidTransition (a cancelled booking,
// or one already marked). `attended` is accepted from the day before the slot on (early
// arrivals); `no_show` only once the slot has started, else kFailedPrecondition.
// kBookingNotFound (unknown reference, or a partner naming another site's booking: the same
// answer, so a partner cannot tell the two apart), kPermissionDenied (not clerk, supervisor,
// partner or admin). Nothing is decrypted: the
// record returned holds no personal data. Appends `appointment.attended` or
// `appointment.no_show` (subject booking id, actor the staff member) in the same transaction.
Result<AttendanceRecord> RecordAttendance(BookingContext& ctx, std::string_view reference,
                                          Attendance outcome, const Actor& actor);

// One booking on the counter's list of the day (ListSiteAppointments): the name to call is
// decrypted; the PIN and the contact never leave the store.
struct SiteAppointment {
  std::string reference;
  UnixSeconds slot_start = 0;
  std::string local;     // the slot's start in the site's time, "2026-12-02T09:00"
  std::string state;     // booked, moved, cancelled, attended, no_show
  std::string language;  // the applicant's language, as booked
  std::string name;      // the name to call
};
struct SiteDay {
  std::string site_id;
  std::string timezone;  // the site's (IANA id or UTC offset)
  Date day;              // local
  std::vector<SiteAppointment> appointments;  // by slot start, then reference
  bool truncated = false;                     // more than kMaxDayAppointments
};
inline constexpr size_t kMaxDayAppointments = 1000;

// The bookings of a site on local date `day` (nullopt: the site's today), every state (cancelled ones included, so the
// clerk can tell a caller it was cancelled), for the counter: clerk, supervisor, admin, and a
// partner for its own site only — another site answers kSiteNotFound, exactly as a missing one
// (kPermissionDenied for other roles, kInvalidArgument for a malformed site id or date). Each
// name is decrypted to call the applicant, so each listed booking is an access: one
// `appointment.read` entry per booking (subject the booking id, reason "counter: the day's
// appointments", actor the staff member), in the same transaction as the read.
Result<SiteDay> ListSiteAppointments(BookingContext& ctx, std::string_view site_id,
                                     std::optional<Date> day, const Actor& actor);

// Deletes every booking whose expiry (the day after its appointment) has passed, wrapped key
// and all, appending `appointment.purge` for each. Returns how many. REQUIRES role admin or
// system.
Result<int64_t> PurgeExpiredBookings(BookingContext& ctx, const Actor& actor);

}  // namespace cityid::core
