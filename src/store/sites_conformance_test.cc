// Conformance of every Store backend for sites and appointments (v6), including the seat
// uniqueness that makes double booking impossible.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "store/sqlite/sqlite_store.h"

namespace cityid::store {
namespace {

using Factory = std::function<std::unique_ptr<Store>(const std::string& dir)>;

struct Backend {
  std::string name;
  Factory open;
  bool file_backed;
};

class SitesConformanceTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("cityid-sites-store-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    store_ = GetParam().open(dir_.string());
    ASSERT_NE(store_, nullptr);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  static SiteRow Site(const std::string& id, int capacity) {
    SiteRow r;
    r.id = id;
    r.name = "Main Library";
    r.kind = "library";
    r.address = "1 Library Plaza";
    r.timezone = "-05:00";
    r.hours_json = R"({"mon":[["09:00","17:00"]]})";
    r.slot_minutes = 30;
    r.capacity = capacity;
    r.closed_json = "[]";
    r.created_at = r.updated_at = 100;
    return r;
  }
  static AppointmentRow Booking(const std::string& id, const std::string& site, UnixSeconds slot,
                                int seat) {
    AppointmentRow r;
    r.id = id;
    r.reference = "REF-" + id;
    r.pin_hash = Bytes(32, 9);
    r.site_id = site;
    r.slot_start = slot;
    r.seat = seat;
    r.wrapped_key = Bytes(72, 1);
    r.sealed = Bytes(60, 2);
    r.language = "es";
    r.state = "booked";
    r.created_at = r.updated_at = 100;
    r.expires_at = slot + 86400;
    return r;
  }
  Status Write(const std::function<Status(Tx&)>& fn) { return store_->Write(fn); }

  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

TEST_P(SitesConformanceTest, InsertsUpdatesAndListsSites) {
  ASSERT_TRUE(Write([](Tx& tx) { return tx.InsertSite(Site("main-library", 2)); }).ok());
  ASSERT_TRUE(Write([](Tx& tx) { return tx.InsertSite(Site("city-hall", 4)); }).ok());
  EXPECT_EQ(Write([](Tx& tx) { return tx.InsertSite(Site("city-hall", 1)); }).code(),
            StatusCode::kAlreadyExists);
  SiteRow changed = Site("city-hall", 4);
  changed.closed_json = R"(["2026-12-25"])";
  changed.updated_at = 200;
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.UpdateSite(changed); }).ok());
  EXPECT_EQ(Write([](Tx& tx) { return tx.UpdateSite(Site("nowhere", 1)); }).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(store_->Read([](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto sites, tx.ListSites());
    EXPECT_EQ(sites.size(), 2u);
    EXPECT_EQ(sites[0].id, "city-hall");
    EXPECT_EQ(sites[0].closed_json, R"(["2026-12-25"])");
    EXPECT_EQ(sites[0].capacity, 4);
    EXPECT_EQ(sites[0].updated_at, 200);
    EXPECT_EQ(sites[1].id, "main-library");
    CITYID_ASSIGN_OR_RETURN(auto missing, tx.GetSite("nowhere"));
    EXPECT_FALSE(missing.has_value());
    CITYID_ASSIGN_OR_RETURN(auto site, tx.GetSite("main-library"));
    EXPECT_TRUE(site.has_value());
    if (site) {
      EXPECT_EQ(site->timezone, "-05:00");
    }
    return Status::Ok();
  }).ok());
  // The kind is closed: the schema refuses anything else.
  SiteRow bad = Site("bad-kind", 1);
  bad.kind = "embassy";
  EXPECT_FALSE(Write([&](Tx& tx) { return tx.InsertSite(bad); }).ok());
}

TEST_P(SitesConformanceTest, BookingsRoundTripAndOneSeatHoldsOneLiveBooking) {
  ASSERT_TRUE(Write([](Tx& tx) { return tx.InsertSite(Site("city-hall", 2)); }).ok());
  ASSERT_TRUE(Write([](Tx& tx) { return tx.InsertAppointment(Booking("apt_a", "city-hall", 1000, 0)); }).ok());
  // Same seat of the same slot: refused by the unique index.
  EXPECT_EQ(Write([](Tx& tx) { return tx.InsertAppointment(Booking("apt_b", "city-hall", 1000, 0)); }).code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE(Write([](Tx& tx) { return tx.InsertAppointment(Booking("apt_b", "city-hall", 1000, 1)); }).ok());
  ASSERT_TRUE(store_->Read([](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto seats, tx.TakenSeats("city-hall", 1000));
    EXPECT_EQ(seats, (std::vector<int>{0, 1}));
    CITYID_ASSIGN_OR_RETURN(auto counts, tx.CountLiveBookings("city-hall", 0, 2000));
    EXPECT_EQ(counts.size(), 1u);
    if (!counts.empty()) {
      EXPECT_EQ(counts[0], (std::pair<UnixSeconds, int64_t>{1000, 2}));
    }
    CITYID_ASSIGN_OR_RETURN(auto got, tx.GetAppointmentByReference("REF-apt_a"));
    EXPECT_TRUE(got.has_value());
    if (got) {
      EXPECT_EQ(got->id, "apt_a");
      EXPECT_EQ(got->pin_hash, Bytes(32, 9));
      EXPECT_EQ(got->sealed, Bytes(60, 2));
      EXPECT_EQ(got->language, "es");
    }
    return Status::Ok();
  }).ok());
  // A cancelled booking frees its seat.
  AppointmentRow a = Booking("apt_a", "city-hall", 1000, 0);
  a.state = "cancelled";
  a.updated_at = 150;
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.UpdateAppointment(a); }).ok());
  ASSERT_TRUE(Write([](Tx& tx) { return tx.InsertAppointment(Booking("apt_c", "city-hall", 1000, 0)); }).ok());
  // Moving onto a held seat is refused.
  AppointmentRow b = Booking("apt_b", "city-hall", 1000, 0);
  b.state = "moved";
  EXPECT_EQ(Write([&](Tx& tx) { return tx.UpdateAppointment(b); }).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(Write([](Tx& tx) { return tx.UpdateAppointment(Booking("apt_zz", "city-hall", 1000, 1)); }).code(),
            StatusCode::kNotFound);
}

TEST_P(SitesConformanceTest, ExpiredBookingsAreFoundAndDeleted) {
  ASSERT_TRUE(Write([](Tx& tx) { return tx.InsertSite(Site("city-hall", 1)); }).ok());
  ASSERT_TRUE(Write([](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertAppointment(Booking("apt_old", "city-hall", 1000, 0)));
    return tx.InsertAppointment(Booking("apt_new", "city-hall", 500000, 0));
  }).ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(store_->Read([&](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(ids, tx.ExpiredAppointmentIds(1000 + 86400, 100));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(ids, std::vector<std::string>{"apt_old"});
  ASSERT_TRUE(Write([](Tx& tx) { return tx.DeleteAppointment("apt_old"); }).ok());
  EXPECT_EQ(Write([](Tx& tx) { return tx.DeleteAppointment("apt_old"); }).code(),
            StatusCode::kNotFound);
  ASSERT_TRUE(store_->Read([](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto gone, tx.GetAppointmentByReference("REF-apt_old"));
    EXPECT_FALSE(gone.has_value());
    CITYID_ASSIGN_OR_RETURN(auto kept, tx.GetAppointmentByReference("REF-apt_new"));
    EXPECT_TRUE(kept.has_value());
    return Status::Ok();
  }).ok());
  // A booking cannot expire before its own appointment.
  AppointmentRow bad = Booking("apt_bad", "city-hall", 9000, 0);
  bad.expires_at = 9000;
  EXPECT_FALSE(Write([&](Tx& tx) { return tx.InsertAppointment(bad); }).ok());
}

// The counter's list of the day (core::ListSiteAppointments): one site's bookings of every state
// in [from, to), by slot then reference, at most `limit`.
TEST_P(SitesConformanceTest, ListsASitesBookingsInARangeBySlot) {
  ASSERT_TRUE(Write([](Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(tx.InsertSite(Site("city-hall", 3)));
    CITYID_RETURN_IF_ERROR(tx.InsertSite(Site("library", 3)));
    CITYID_RETURN_IF_ERROR(tx.InsertAppointment(Booking("apt_c", "city-hall", 2000, 0)));
    CITYID_RETURN_IF_ERROR(tx.InsertAppointment(Booking("apt_b", "city-hall", 1000, 1)));
    CITYID_RETURN_IF_ERROR(tx.InsertAppointment(Booking("apt_a", "city-hall", 1000, 0)));
    CITYID_RETURN_IF_ERROR(tx.InsertAppointment(Booking("apt_late", "city-hall", 5000, 0)));
    return tx.InsertAppointment(Booking("apt_lib", "library", 1000, 0));
  }).ok());
  AppointmentRow cancelled = Booking("apt_c", "city-hall", 2000, 0);
  cancelled.state = "cancelled";
  ASSERT_TRUE(Write([&](Tx& tx) { return tx.UpdateAppointment(cancelled); }).ok());
  ASSERT_TRUE(store_->Read([](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto day, tx.ListAppointments("city-hall", 1000, 5000, 100));
    std::vector<std::string> ids;
    for (const auto& r : day) ids.push_back(r.id);
    EXPECT_EQ(ids, (std::vector<std::string>{"apt_a", "apt_b", "apt_c"}));
    if (day.size() == 3) {
      EXPECT_EQ(day[2].state, "cancelled");
      EXPECT_EQ(day[0].sealed, Bytes(60, 2));
      EXPECT_EQ(day[0].reference, "REF-apt_a");
    }
    CITYID_ASSIGN_OR_RETURN(auto two, tx.ListAppointments("city-hall", 0, 10000, 2));
    EXPECT_EQ(two.size(), 2u);
    CITYID_ASSIGN_OR_RETURN(auto none, tx.ListAppointments("nowhere", 0, 10000, 100));
    EXPECT_TRUE(none.empty());
    return Status::Ok();
  }).ok());
}

// Many threads, each with its own connection to the same database file (as separate server
// processes or the CLI next to the server would be), race for the seats of one slot: the
// capacity check and the insert share one write transaction, so exactly `capacity` win.
TEST_P(SitesConformanceTest, ConcurrentBookingsNeverExceedCapacity) {
  if (!GetParam().file_backed) GTEST_SKIP() << "needs several connections to one file";
  constexpr int kCapacity = 3;
  constexpr int kThreads = 8;
  constexpr int kAttemptsPerThread = 6;
  ASSERT_TRUE(Write([](Tx& tx) { return tx.InsertSite(Site("city-hall", kCapacity)); }).ok());
  std::atomic<int> booked{0};
  std::atomic<int> full{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto own = GetParam().open(dir_.string());
      if (!own) {
        ++other;
        return;
      }
      for (int i = 0; i < kAttemptsPerThread; ++i) {
        const std::string id = "apt_" + std::to_string(t) + "_" + std::to_string(i);
        Status s = own->Write([&](Tx& tx) -> Status {
          CITYID_ASSIGN_OR_RETURN(auto taken, tx.TakenSeats("city-hall", 1000));
          int seat = 0;
          while (seat < kCapacity &&
                 std::find(taken.begin(), taken.end(), seat) != taken.end()) {
            ++seat;
          }
          if (seat == kCapacity) return Error(ErrorId::kResourceExhausted, "slot full");
          return tx.InsertAppointment(Booking(id, "city-hall", 1000, seat));
        });
        if (s.ok()) {
          ++booked;
        } else if (s.code() == StatusCode::kResourceExhausted) {
          ++full;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(booked.load(), kCapacity);
  EXPECT_EQ(full.load(), kThreads * kAttemptsPerThread - kCapacity);
  EXPECT_EQ(other.load(), 0);
  ASSERT_TRUE(store_->Read([](Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(auto seats, tx.TakenSeats("city-hall", 1000));
    EXPECT_EQ(seats, (std::vector<int>{0, 1, 2}));
    return Status::Ok();
  }).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Backends, SitesConformanceTest,
    ::testing::Values(
        Backend{"SqliteFile",
                [](const std::string& dir) {
                  auto s = OpenSqliteStore(dir + "/cityid.db");
                  return s.ok() ? std::move(s).value() : nullptr;
                },
                true},
        Backend{"SqliteMemory",
                [](const std::string&) {
                  auto s = OpenSqliteStore(":memory:");
                  return s.ok() ? std::move(s).value() : nullptr;
                },
                false}),
    [](const ::testing::TestParamInfo<Backend>& p) { return p.param.name; });

}  // namespace
}  // namespace cityid::store
