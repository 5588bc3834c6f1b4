#include "core/appointments.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_store.h"

namespace cityid::core {
namespace {

// 2026-11-25 12:00 UTC, a Wednesday: 07:00 at a site on -05:00.
constexpr UnixSeconds kNow = 1795608000;
constexpr int64_t kDay = 86400;
// 2026-11-25 09:00 at -05:00.
constexpr UnixSeconds kWed0900 = 1795615200;

const Actor kAdmin{"stf_admin", Role::kAdmin, ""};
const Actor kClerk{"stf_clerk", Role::kClerk, ""};

class AppointmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::InitCrypto().ok());
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-apt-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto keys = crypto::Keyring::Create((dir_ / "keys").string(), rng_);
    ASSERT_TRUE(keys.ok()) << keys.status().ToString();
    keys_ = std::move(keys).value();
    auto store = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    ctx_ = std::make_unique<BookingContext>(BookingContext{*store_, *keys_, clock_, rng_});
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  SiteInput Site(int capacity = 2) {
    SiteInput in;
    in.id = "main-library";
    in.name = "Main Library";
    in.kind = "library";
    in.address = "1 Library Plaza";
    in.timezone = "-05:00";
    in.hours = "mon-fri 09:00-12:00; sat 10:00-11:00";
    in.slot_minutes = 30;
    in.capacity = capacity;
    return in;
  }
  BookingInput Booking(UnixSeconds slot, std::string name = "Rosa M.") {
    return BookingInput{"main-library", slot, std::move(name), "rosa@example.org", "es"};
  }
  std::vector<audit::Entry> Audit() {
    std::vector<audit::Entry> out;
    EXPECT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(auto rows, tx.ReadAudit(0, 1000));
      for (auto& r : rows) out.push_back(r.entry);
      return Status::Ok();
    }).ok());
    return out;
  }

  std::filesystem::path dir_;
  SeededRng rng_{7};
  FixedClock clock_{kNow};
  std::unique_ptr<crypto::Keyring> keys_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<BookingContext> ctx_;
};

TEST(OpeningHoursTest, ParsesRangesAndRefusesNonsense) {
  auto h = ParseOpeningHours("mon-fri 09:00-12:00, 13:00-17:00; sat 10:00-13:00");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->days[0].size(), 2u);
  EXPECT_EQ(h->days[4][1], (std::pair<int, int>{13 * 60, 17 * 60}));
  EXPECT_EQ(h->days[5][0], (std::pair<int, int>{600, 780}));
  EXPECT_TRUE(h->days[6].empty());
  auto round = OpeningHoursFromJson(OpeningHoursJson(*h));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->days, h->days);
  for (const char* bad : {"", "mon", "mon 9-5", "fri-mon 09:00-10:00", "mon 10:00-09:00",
                          "mon 09:00-11:00, 10:00-12:00", "mon 09:00-10:00; mon 11:00-12:00",
                          "funday 09:00-10:00", "mon 25:00-26:00"}) {
    EXPECT_FALSE(ParseOpeningHours(bad).ok()) << bad;
  }
}

TEST(TimeFormatsTest, OffsetsAndUtcTimes) {
  EXPECT_EQ(*ParseUtcOffset("-05:00"), -5 * 3600);
  EXPECT_EQ(*ParseUtcOffset("+05:30"), 5 * 3600 + 1800);
  for (const char* bad : {"", "05:00", "-5:00", "+15:00", "UTC", "America/New_York"}) {
    EXPECT_FALSE(ParseUtcOffset(bad).ok()) << bad;
  }
  EXPECT_EQ(*ParseUtcTime("2026-11-25T14:00:00Z"), kWed0900);
  EXPECT_EQ(FormatUtcTime(kWed0900), "2026-11-25T14:00:00Z");
  for (const char* bad : {"2026-11-25 14:00:00Z", "2026-11-25T14:00:00", "2026-02-30T14:00:00Z",
                          "2026-11-25T24:00:00Z", "1795615200"}) {
    EXPECT_FALSE(ParseUtcTime(bad).ok()) << bad;
  }
}

TEST_F(AppointmentsTest, AdminAddsSitesOthersMayNot) {
  EXPECT_EQ(AddSite(*ctx_, Site(), kClerk).status().code(), StatusCode::kPermissionDenied);
  auto row = AddSite(*ctx_, Site(), kAdmin);
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  EXPECT_EQ(row->hours_json,
            R"({"mon":[["09:00","12:00"]],"tue":[["09:00","12:00"]],"wed":[["09:00","12:00"]],)"
            R"("thu":[["09:00","12:00"]],"fri":[["09:00","12:00"]],"sat":[["10:00","11:00"]]})");
  EXPECT_EQ(AddSite(*ctx_, Site(), kAdmin).status().id(), ErrorId::kSiteExists);
  SiteInput bad = Site();
  bad.id = "Main Library";
  EXPECT_EQ(AddSite(*ctx_, bad, kAdmin).status().code(), StatusCode::kInvalidArgument);
  bad = Site();
  bad.id = "other";
  bad.kind = "embassy";
  EXPECT_EQ(AddSite(*ctx_, bad, kAdmin).status().code(), StatusCode::kInvalidArgument);
  bad.kind = "partner";
  bad.capacity = 0;
  EXPECT_EQ(AddSite(*ctx_, bad, kAdmin).status().code(), StatusCode::kInvalidArgument);
  auto sites = ListSites(*ctx_);
  ASSERT_TRUE(sites.ok());
  EXPECT_EQ(sites->size(), 1u);
  const auto log = Audit();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].action, "site.add");
  EXPECT_EQ(log[0].subject, "main-library");
}

TEST_F(AppointmentsTest, SiteLanguagesAndAccessibilityAreOptionalAndChecked) {
  // Without them: an empty list and no notes.
  auto plain = AddSite(*ctx_, Site(), kAdmin);
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->languages_json, "[]");
  EXPECT_EQ(plain->accessibility, "");
  // With them: kept as given, and read back.
  SiteInput in = Site();
  in.id = "east-library";
  in.languages = {"en", "es", "zh-Hant"};
  in.accessibility = "Step-free entrance on Chambers St; hearing loop at every counter";
  ASSERT_TRUE(AddSite(*ctx_, in, kAdmin).ok());
  auto sites = ListSites(*ctx_);
  ASSERT_TRUE(sites.ok());
  ASSERT_EQ(sites->size(), 2u);
  EXPECT_EQ((*sites)[0].id, "east-library");
  EXPECT_EQ((*sites)[0].languages_json, R"(["en","es","zh-Hant"])");
  EXPECT_EQ((*sites)[0].accessibility, in.accessibility);
  EXPECT_EQ((*sites)[1].languages_json, "[]");
  // Refused: a code that is no language code, one twice, too many, notes too long or with a
  // control character. Nothing is written.
  std::vector<SiteInput> bad(6, Site());
  bad[0].languages = {"English"};
  bad[1].languages = {"es", "es"};
  bad[2].languages = {""};
  bad[3].languages = std::vector<std::string>(kMaxSiteLanguages + 1, "en");
  bad[4].accessibility = std::string(kMaxAccessibilityBytes + 1, 'a');
  bad[5].accessibility = "ramp\x01";
  for (size_t i = 0; i < bad.size(); ++i) {
    bad[i].id = "bad-" + std::to_string(i);
    EXPECT_EQ(AddSite(*ctx_, bad[i], kAdmin).status().code(), StatusCode::kInvalidArgument) << i;
  }
  EXPECT_EQ(ListSites(*ctx_)->size(), 2u);
}

TEST_F(AppointmentsTest, FreeSlotsFollowHoursCapacityClosuresAndNow) {
  ASSERT_TRUE(AddSite(*ctx_, Site(2), kAdmin).ok());
  const Date wed{2026, 11, 25};
  auto slots = FreeSlots(*ctx_, "main-library", wed, wed);
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  ASSERT_EQ(slots->size(), 6u);  // 09:00 .. 11:30
  EXPECT_EQ((*slots)[0].start, kWed0900);
  EXPECT_EQ((*slots)[0].local, "2026-11-25T09:00");
  EXPECT_EQ((*slots)[0].start_utc, "2026-11-25T14:00:00Z");
  EXPECT_EQ((*slots)[0].free, 2);
  // Sunday: closed by the hours; Saturday: two slots.
  auto weekend = FreeSlots(*ctx_, "main-library", Date{2026, 11, 28}, Date{2026, 11, 29});
  ASSERT_TRUE(weekend.ok());
  EXPECT_EQ(weekend->size(), 2u);
  // Later in the morning, past slots disappear.
  clock_.Set(kWed0900 + 70 * 60);  // 10:10 local
  slots = FreeSlots(*ctx_, "main-library", wed, wed);
  ASSERT_TRUE(slots.ok());
  ASSERT_EQ(slots->size(), 3u);
  EXPECT_EQ((*slots)[0].local, "2026-11-25T10:30");
  // Booked seats reduce the count; full slots are left out.
  ASSERT_TRUE(Book(*ctx_, Booking(kWed0900 + 7200)).ok());
  slots = FreeSlots(*ctx_, "main-library", wed, wed);
  EXPECT_EQ((*slots)[1].free, 1);
  ASSERT_TRUE(Book(*ctx_, Booking(kWed0900 + 7200)).ok());
  slots = FreeSlots(*ctx_, "main-library", wed, wed);
  ASSERT_EQ(slots->size(), 2u);
  // A closure removes the whole day and says how many bookings it had.
  auto closed = CloseSiteDay(*ctx_, "main-library", wed, kAdmin);
  ASSERT_TRUE(closed.ok());
  EXPECT_EQ(*closed, 2);
  EXPECT_TRUE(FreeSlots(*ctx_, "main-library", wed, wed)->empty());
  EXPECT_EQ(CloseSiteDay(*ctx_, "main-library", wed, kClerk).status().code(),
            StatusCode::kPermissionDenied);
  EXPECT_EQ(CloseSiteDay(*ctx_, "nowhere", wed, kAdmin).status().id(), ErrorId::kSiteNotFound);
  // Ranges are bounded and ordered.
  EXPECT_FALSE(FreeSlots(*ctx_, "main-library", wed, wed.AddDays(kMaxSlotRangeDays)).ok());
  EXPECT_FALSE(FreeSlots(*ctx_, "main-library", wed.AddDays(1), wed).ok());
  EXPECT_EQ(FreeSlots(*ctx_, "nowhere", wed, wed).status().id(), ErrorId::kSiteNotFound);
}

TEST_F(AppointmentsTest, BookStatusMoveCancelWithReferenceAndPin) {
  ASSERT_TRUE(AddSite(*ctx_, Site(1), kAdmin).ok());
  auto r = Book(*ctx_, Booking(kWed0900));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->reference.size(), 9u);
  EXPECT_EQ(r->reference[4], '-');
  EXPECT_EQ(r->pin.size(), 8u);
  for (char c : r->reference + r->pin) {
    EXPECT_EQ(std::string("0O1IL").find(c), std::string::npos) << c;
  }
  EXPECT_EQ(r->expires_at, kWed0900 - 9 * 3600 + 2 * kDay);  // the next local midnight + 1 day

  auto st = GetBooking(*ctx_, r->reference, r->pin);
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->name, "Rosa M.");
  EXPECT_TRUE(st->has_contact);
  EXPECT_EQ(st->state, "booked");
  EXPECT_EQ(st->language, "es");
  // Typed loosely: lowercase, no dash.
  std::string loose = r->reference.substr(0, 4) + r->reference.substr(5);
  for (char& c : loose) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  EXPECT_TRUE(GetBooking(*ctx_, loose, r->pin).ok());
  // A wrong PIN and an unknown reference get the same answer.
  std::string wrong = r->pin;
  wrong[0] = wrong[0] == '2' ? '3' : '2';
  EXPECT_EQ(GetBooking(*ctx_, r->reference, wrong).status().id(), ErrorId::kBookingNotFound);
  EXPECT_EQ(GetBooking(*ctx_, "ZZZZ-ZZZZ", r->pin).status().id(), ErrorId::kBookingNotFound);
  EXPECT_EQ(GetBooking(*ctx_, "x", "y").status().id(), ErrorId::kBookingNotFound);
  EXPECT_EQ(CancelBooking(*ctx_, r->reference, wrong).id(), ErrorId::kBookingNotFound);

  // Capacity 1: the slot is now full.
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900, "Ana")).status().id(), ErrorId::kSlotFull);
  // Move to the next slot; the old seat frees up.
  auto moved = MoveBooking(*ctx_, r->reference, r->pin, kWed0900 + 1800);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(moved->state, "moved");
  EXPECT_EQ(moved->slot_start, kWed0900 + 1800);
  auto other = Book(*ctx_, Booking(kWed0900, "Ana"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(MoveBooking(*ctx_, other->reference, other->pin, kWed0900 + 1800).status().id(),
            ErrorId::kSlotFull);
  EXPECT_EQ(MoveBooking(*ctx_, other->reference, other->pin, kWed0900 + 600).status().id(),
            ErrorId::kSlotUnavailable);
  // Cancel: the seat frees, the booking can no longer change.
  ASSERT_TRUE(CancelBooking(*ctx_, r->reference, r->pin).ok());
  EXPECT_EQ(GetBooking(*ctx_, r->reference, r->pin)->state, "cancelled");
  EXPECT_EQ(CancelBooking(*ctx_, r->reference, r->pin).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(MoveBooking(*ctx_, r->reference, r->pin, kWed0900 + 3600).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Book(*ctx_, Booking(kWed0900 + 1800, "Li")).ok());

  // Audit: actions by booking id, nothing personal.
  for (const auto& e : Audit()) {
    if (e.action.rfind("appointment.", 0) != 0) continue;
    EXPECT_EQ(e.subject.rfind("apt_", 0), 0u) << e.subject;
    EXPECT_EQ(e.actor, "public");
    for (const std::string& s : {e.actor, e.role, e.site, e.action, e.subject, e.reason}) {
      EXPECT_EQ(s.find("Rosa"), std::string::npos);
      EXPECT_EQ(s.find(r->reference), std::string::npos);
    }
  }
}

TEST_F(AppointmentsTest, RefusesBadSlotsAndFields) {
  ASSERT_TRUE(AddSite(*ctx_, Site(1), kAdmin).ok());
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900 + 600)).status().id(), ErrorId::kSlotUnavailable);
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900 - 1800)).status().id(), ErrorId::kSlotUnavailable);
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900 + 3 * 3600)).status().id(), ErrorId::kSlotUnavailable);
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900 + 4 * kDay)).status().id(),
            ErrorId::kSlotUnavailable);  // Sunday
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900 + (kMaxBookingAheadDays + 7) * kDay)).status().id(),
            ErrorId::kSlotUnavailable);
  clock_.Set(kWed0900 + 60);
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900)).status().id(), ErrorId::kSlotUnavailable);
  clock_.Set(kNow);
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900, "")).status().id(), ErrorId::kMissingField);
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900, std::string(121, 'a'))).status().id(),
            ErrorId::kFieldTooLong);
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900, "a\nb")).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900, "\xff\xfe")).status().id(), ErrorId::kInvalidUtf8);
  BookingInput in = Booking(kWed0900);
  in.language = "english please";
  EXPECT_EQ(Book(*ctx_, in).status().code(), StatusCode::kInvalidArgument);
  in = Booking(kWed0900);
  in.site_id = "nowhere";
  EXPECT_EQ(Book(*ctx_, in).status().id(), ErrorId::kSiteNotFound);
  in.site_id = "'; DROP TABLE sites; --";
  EXPECT_EQ(Book(*ctx_, in).status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Audit().size() == 1u);  // only site.add: refusals write nothing
}

TEST_F(AppointmentsTest, NoPersonalDataInClearAndPurgedAfterTheDay) {
  ASSERT_TRUE(AddSite(*ctx_, Site(2), kAdmin).ok());
  auto r = Book(*ctx_, Booking(kWed0900, "Zhang Wei-Unique"));
  ASSERT_TRUE(r.ok());
  auto later = Book(*ctx_, Booking(kWed0900 + 2 * kDay));
  ASSERT_TRUE(later.ok());
  ASSERT_TRUE(store_->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto row, tx.GetAppointmentByReference(r->reference));
    EXPECT_TRUE(row.has_value());
    if (!row) return Status::Ok();
    const std::string sealed(row->sealed.begin(), row->sealed.end());
    EXPECT_EQ(sealed.find("Zhang"), std::string::npos);
    EXPECT_EQ(sealed.find("rosa@"), std::string::npos);
    const std::string pin_hash(row->pin_hash.begin(), row->pin_hash.end());
    EXPECT_EQ(pin_hash.find(r->pin), std::string::npos);
    return Status::Ok();
  }).ok());
  EXPECT_EQ(PurgeExpiredBookings(*ctx_, kClerk).status().code(), StatusCode::kPermissionDenied);
  // The day of the appointment and the next: kept.
  clock_.Set(r->expires_at - 1);
  EXPECT_EQ(*PurgeExpiredBookings(*ctx_, Actor{"system:purge", Role::kSystem, ""}), 0);
  EXPECT_TRUE(GetBooking(*ctx_, r->reference, r->pin).ok());
  clock_.Set(r->expires_at);
  EXPECT_EQ(*PurgeExpiredBookings(*ctx_, Actor{"system:purge", Role::kSystem, ""}), 1);
  EXPECT_EQ(GetBooking(*ctx_, r->reference, r->pin).status().id(), ErrorId::kBookingNotFound);
  EXPECT_TRUE(GetBooking(*ctx_, later->reference, later->pin).ok());
  const auto log = Audit();
  EXPECT_EQ(log.back().action, "appointment.purge");
  EXPECT_EQ(log.back().subject.rfind("apt_", 0), 0u);
}

TEST_F(AppointmentsTest, ConcurrentBookingsOfTheLastSeatsExactlyFill) {
  ASSERT_TRUE(AddSite(*ctx_, Site(3), kAdmin).ok());
  SystemRng shared_rng;  // thread-safe
  BookingContext ctx{*store_, *keys_, clock_, shared_rng};
  std::atomic<int> ok{0}, full{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 12; ++t) {
    threads.emplace_back([&, t] {
      auto r = Book(ctx, Booking(kWed0900, "Person " + std::to_string(t)));
      if (r.ok()) {
        ++ok;
      } else if (r.status().id() == ErrorId::kSlotFull) {
        ++full;
      } else {
        ++other;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(full.load(), 9);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(AppointmentsTest, StaffMarkABookedAppointmentAttendedOrNoShowOnlyOnce) {
  ASSERT_TRUE(AddSite(*ctx_, Site(2), kAdmin).ok());
  auto came = Book(*ctx_, Booking(kWed0900, "Rosa M."));
  auto away = Book(*ctx_, Booking(kWed0900, "Ana P."));
  ASSERT_TRUE(came.ok() && away.ok());
  const Actor partner_here{"stf_p1", Role::kPartner, "main-library"};
  const Actor partner_elsewhere{"stf_p2", Role::kPartner, "east-branch"};
  const Actor auditor{"stf_aud", Role::kAuditor, ""};
  // Who may: not an auditor, not a partner of another site.
  EXPECT_EQ(RecordAttendance(*ctx_, came->reference, Attendance::kAttended, auditor).status().id(),
            ErrorId::kPermissionDenied);
  // Another site's booking answers as an unknown reference (issue 14 §2).
  EXPECT_EQ(RecordAttendance(*ctx_, came->reference, Attendance::kAttended, partner_elsewhere)
                .status()
                .id(),
            ErrorId::kBookingNotFound);
  EXPECT_EQ(RecordAttendance(*ctx_, "ZZZZ-ZZZZ", Attendance::kAttended, kClerk).status().id(),
            ErrorId::kBookingNotFound);
  // A no-show only once the slot has started (it is 07:00 local, the slot is at 09:00).
  EXPECT_EQ(RecordAttendance(*ctx_, away->reference, Attendance::kNoShow, kClerk).status().id(),
            ErrorId::kFailedPrecondition);
  // The applicant arrives early: attended, by the site's own partner; the seat stays taken.
  auto marked = RecordAttendance(*ctx_, came->reference, Attendance::kAttended, partner_here);
  ASSERT_TRUE(marked.ok()) << marked.status().ToString();
  EXPECT_EQ(marked->state, "attended");
  EXPECT_EQ(marked->slot_start, kWed0900);
  EXPECT_EQ(GetBooking(*ctx_, came->reference, came->pin)->state, "attended");
  // Marked once: every further transition is refused, and so is cancelling or moving it.
  EXPECT_EQ(RecordAttendance(*ctx_, came->reference, Attendance::kNoShow, kClerk).status().id(),
            ErrorId::kInvalidTransition);
  EXPECT_EQ(RecordAttendance(*ctx_, came->reference, Attendance::kAttended, kClerk).status().id(),
            ErrorId::kInvalidTransition);
  EXPECT_EQ(CancelBooking(*ctx_, came->reference, came->pin).id(), ErrorId::kFailedPrecondition);
  // After the slot: the other one did not come.
  clock_.Set(kWed0900 + 3600);
  auto missed = RecordAttendance(*ctx_, away->reference, Attendance::kNoShow, kClerk);
  ASSERT_TRUE(missed.ok()) << missed.status().ToString();
  EXPECT_EQ(missed->state, "no_show");
  EXPECT_EQ(GetBooking(*ctx_, away->reference, away->pin)->state, "no_show");
  EXPECT_EQ(RecordAttendance(*ctx_, away->reference, Attendance::kAttended, kClerk).status().id(),
            ErrorId::kInvalidTransition);
  // A cancelled booking cannot be marked.
  auto later = Book(*ctx_, Booking(kWed0900 + kDay, "Li W."));
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  ASSERT_TRUE(CancelBooking(*ctx_, later->reference, later->pin).ok());
  EXPECT_EQ(RecordAttendance(*ctx_, later->reference, Attendance::kAttended, kClerk).status().id(),
            ErrorId::kInvalidTransition);
  // Audited with the staff member as actor, the booking id as subject, nothing personal.
  int attended = 0, no_show = 0;
  for (const auto& e : Audit()) {
    if (e.action == "appointment.attended") {
      ++attended;
      EXPECT_EQ(e.actor, "stf_p1");
      EXPECT_EQ(e.subject.rfind("apt_", 0), 0u);
    }
    if (e.action == "appointment.no_show") {
      ++no_show;
      EXPECT_EQ(e.actor, "stf_clerk");
    }
    EXPECT_EQ(e.reason.find("Rosa"), std::string::npos);
  }
  EXPECT_EQ(attended, 1);
  EXPECT_EQ(no_show, 1);
}

TEST_F(AppointmentsTest, AttendedIsRefusedMoreThanADayAhead) {
  ASSERT_TRUE(AddSite(*ctx_, Site(1), kAdmin).ok());
  auto r = Book(*ctx_, Booking(kWed0900 + 7 * kDay));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(RecordAttendance(*ctx_, r->reference, Attendance::kAttended, kClerk).status().id(),
            ErrorId::kFailedPrecondition);
  clock_.Set(kWed0900 + 7 * kDay - 3600);
  EXPECT_TRUE(RecordAttendance(*ctx_, r->reference, Attendance::kAttended, kClerk).ok());
}

SiteInput NewYorkSite(const std::string& hours) {
  SiteInput in;
  in.id = "queens-library";
  in.name = "Queens Library";
  in.kind = "library";
  in.address = "89-11 Merrick Blvd";
  in.timezone = "America/New_York";
  in.hours = hours;
  in.slot_minutes = 60;
  in.capacity = 1;
  return in;
}

UnixSeconds Utc(const char* text) { return *ParseUtcTime(text); }

TEST_F(AppointmentsTest, IanaZoneSlotsSkipTheHourLostWhenClocksGoForward) {
  // 2027-03-14, a Sunday: at 02:00 EST New York clocks jump to 03:00 EDT.
  ASSERT_TRUE(AddSite(*ctx_, NewYorkSite("sun 00:00-05:00; mon 09:00-10:00"), kAdmin).ok());
  auto slots = FreeSlots(*ctx_, "queens-library", Date{2027, 3, 14}, Date{2027, 3, 15});
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  ASSERT_EQ(slots->size(), 5u);
  const std::vector<std::pair<std::string, std::string>> want = {
      {"2027-03-14T00:00", "2027-03-14T05:00:00Z"},  // EST, UTC-5
      {"2027-03-14T01:00", "2027-03-14T06:00:00Z"},
      // 02:00 does not exist that night: no slot.
      {"2027-03-14T03:00", "2027-03-14T07:00:00Z"},  // EDT, UTC-4
      {"2027-03-14T04:00", "2027-03-14T08:00:00Z"},
      {"2027-03-15T09:00", "2027-03-15T13:00:00Z"},
  };
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ((*slots)[i].local, want[i].first) << i;
    EXPECT_EQ((*slots)[i].start_utc, want[i].second) << i;
  }
  // Booking follows the same clock: 03:00 EDT is a slot; its expiry is local midnight (EDT)
  // the day after the appointment's day.
  BookingInput in{"queens-library", Utc("2027-03-14T07:00:00Z"), "Rosa M.", "", "es"};
  auto r = Book(*ctx_, in);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->expires_at, Utc("2027-03-16T04:00:00Z"));
  in.slot_start = Utc("2027-03-14T07:30:00Z");
  EXPECT_EQ(Book(*ctx_, in).status().id(), ErrorId::kSlotUnavailable);
  // In November the same site is on EST again: Wednesday 09:00 local is 14:00 UTC.
  ASSERT_TRUE(AddSite(*ctx_, [] {
                SiteInput w = NewYorkSite("wed 09:00-10:00");
                w.id = "bronx-library";
                return w;
              }(), kAdmin).ok());
  auto wed = FreeSlots(*ctx_, "bronx-library", Date{2026, 12, 2}, Date{2026, 12, 2});
  ASSERT_TRUE(wed.ok());
  ASSERT_EQ(wed->size(), 1u);
  EXPECT_EQ((*wed)[0].start_utc, "2026-12-02T14:00:00Z");
}

TEST_F(AppointmentsTest, IanaZoneRepeatedHourWhenClocksGoBackIsOneSlot) {
  // 2026-11-01, a Sunday: at 02:00 EDT New York clocks go back to 01:00 EST.
  clock_.Set(Utc("2026-10-20T12:00:00Z"));
  ASSERT_TRUE(AddSite(*ctx_, NewYorkSite("sun 00:00-03:00"), kAdmin).ok());
  auto slots = FreeSlots(*ctx_, "queens-library", Date{2026, 11, 1}, Date{2026, 11, 1});
  ASSERT_TRUE(slots.ok()) << slots.status().ToString();
  ASSERT_EQ(slots->size(), 3u);
  EXPECT_EQ((*slots)[0].start_utc, "2026-11-01T04:00:00Z");  // 00:00 EDT
  EXPECT_EQ((*slots)[1].start_utc, "2026-11-01T05:00:00Z");  // the first 01:00 (EDT)
  EXPECT_EQ((*slots)[2].start_utc, "2026-11-01T07:00:00Z");  // 02:00 EST
  EXPECT_EQ((*slots)[1].local, "2026-11-01T01:00");
  // The second 01:00 (EST, 06:00 UTC) is not a slot of its own.
  BookingInput in{"queens-library", Utc("2026-11-01T06:00:00Z"), "Rosa M.", "", "es"};
  EXPECT_EQ(Book(*ctx_, in).status().id(), ErrorId::kSlotUnavailable);
  in.slot_start = Utc("2026-11-01T05:00:00Z");
  EXPECT_TRUE(Book(*ctx_, in).ok());
}

TEST_F(AppointmentsTest, TimeZonesAreIanaIdsOrFixedOffsets) {
  SiteInput in = Site();
  for (const char* bad : {"Mars/Olympus", "GMT+5", "America/New York", "../etc/passwd", "",
                          "-5:00", "+15:00"}) {
    in.timezone = bad;
    EXPECT_EQ(AddSite(*ctx_, in, kAdmin).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  in.timezone = "Europe/Berlin";
  EXPECT_TRUE(AddSite(*ctx_, in, kAdmin).ok());
  in.id = "fixed-offset";
  in.timezone = "+05:30";  // the original form keeps working
  EXPECT_TRUE(AddSite(*ctx_, in, kAdmin).ok());
}

TEST_F(AppointmentsTest, OneClientCannotBookEverySeat) {
  // At a14d931 one anonymous client booked all 240 seats of a site in 0.4 s.
  ASSERT_TRUE(AddSite(*ctx_, Site(20), kAdmin).ok());
  BookingQuota quota(clock_, BookingCaps{3, 2});
  const std::string kStranger = "203.0.113.66";
  ASSERT_TRUE(Book(*ctx_, Booking(kWed0900), &quota, kStranger).ok());
  auto second = Book(*ctx_, Booking(kWed0900 + 1800), &quota, kStranger);
  ASSERT_TRUE(second.ok());
  // A third on the same site and day: the per-site-and-day cap; nothing is written.
  const size_t audit_before = Audit().size();
  auto same_day = Book(*ctx_, Booking(kWed0900 + 3600), &quota, kStranger);
  EXPECT_EQ(same_day.status().id(), ErrorId::kBookingLimitReached);
  EXPECT_NE(same_day.status().message().find("another day"), std::string::npos);
  EXPECT_EQ(Audit().size(), audit_before);
  // Another day: the third live booking, then the per-client cap.
  ASSERT_TRUE(Book(*ctx_, Booking(kWed0900 + kDay), &quota, kStranger).ok());
  auto fourth = Book(*ctx_, Booking(kWed0900 + 2 * kDay), &quota, kStranger);
  EXPECT_EQ(fourth.status().id(), ErrorId::kBookingLimitReached);
  EXPECT_NE(fourth.status().message().find("cancel"), std::string::npos);
  EXPECT_EQ(quota.Held(kStranger), 3);
  // Another client is not affected.
  EXPECT_TRUE(Book(*ctx_, Booking(kWed0900 + 3600), &quota, "203.0.113.7").ok());
  // A cancelled booking gives its place back.
  ASSERT_TRUE(CancelBooking(*ctx_, second->reference, second->pin).ok());
  quota.Release(second->reference);
  EXPECT_TRUE(Book(*ctx_, Booking(kWed0900 + 2 * kDay), &quota, kStranger).ok());
  EXPECT_EQ(Book(*ctx_, Booking(kWed0900 + 5 * kDay), &quota, kStranger).status().id(),
            ErrorId::kBookingLimitReached);
  // Once the first appointment has started it no longer counts.
  clock_.Set(kWed0900 + 60);
  EXPECT_EQ(quota.Held(kStranger), 2);
  EXPECT_TRUE(Book(*ctx_, Booking(kWed0900 + 5 * kDay), &quota, kStranger).ok());
}

TEST_F(AppointmentsTest, MovingBookingsOntoOneDayKeepsThePerDayCap) {
  ASSERT_TRUE(AddSite(*ctx_, Site(20), kAdmin).ok());
  BookingQuota quota(clock_, BookingCaps{3, 2});
  const std::string kClient = "203.0.113.66";
  ASSERT_TRUE(Book(*ctx_, Booking(kWed0900), &quota, kClient).ok());
  ASSERT_TRUE(Book(*ctx_, Booking(kWed0900 + 1800), &quota, kClient).ok());
  auto thursday = Book(*ctx_, Booking(kWed0900 + kDay), &quota, kClient);
  ASSERT_TRUE(thursday.ok());
  // Booked on another day, then moved onto the full one: refused, nothing changes.
  auto moved = MoveBooking(*ctx_, thursday->reference, thursday->pin, kWed0900 + 3600, &quota);
  EXPECT_EQ(moved.status().id(), ErrorId::kBookingLimitReached);
  EXPECT_EQ(GetBooking(*ctx_, thursday->reference, thursday->pin)->slot_start, kWed0900 + kDay);
  // Within its own day, or to a day with room: fine.
  EXPECT_TRUE(
      MoveBooking(*ctx_, thursday->reference, thursday->pin, kWed0900 + kDay + 1800, &quota).ok());
  EXPECT_TRUE(
      MoveBooking(*ctx_, thursday->reference, thursday->pin, kWed0900 + 2 * kDay, &quota).ok());
}

TEST_F(AppointmentsTest, ParallelBookingsFromOneClientStopAtTheCap) {
  ASSERT_TRUE(AddSite(*ctx_, Site(50), kAdmin).ok());
  BookingQuota quota(clock_, BookingCaps{3, 3});
  SystemRng shared_rng;  // thread-safe
  BookingContext ctx{*store_, *keys_, clock_, shared_rng};
  std::atomic<int> ok{0}, capped{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 12; ++i) {
    threads.emplace_back([&, i] {
      auto r = Book(ctx, Booking(kWed0900 + (i % 6) * 1800), &quota, "203.0.113.66");
      if (r.ok()) ++ok;
      if (r.status().id() == ErrorId::kBookingLimitReached) ++capped;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 3);
  EXPECT_EQ(capped.load(), 9);
}

}  // namespace
}  // namespace cityid::core
