// The background checkpointer (store/sqlite/checkpointer.h): the write-ahead log is copied back
// into the database file by its own thread, the log stays bounded while one writer commits
// continuously, and nothing committed is lost — whether the store closes cleanly or not.
#include <gtest/gtest.h>
#include <sodium.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::store {
namespace {

namespace fs = std::filesystem;

class CheckpointerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    dir_ = fs::temp_directory_path() /
           ("cityid-checkpointer-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "cityid.db").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // One person per transaction, ~4 KiB each: two or three WAL frames per commit.
  static Status Insert(Store& store, int n) {
    return store.Write([n](Tx& tx) {
      PersonRow p;
      p.id = "per_" + std::to_string(n);
      p.wrapped_key = Bytes(72, static_cast<uint8_t>(n));
      p.sealed = Bytes(4000, static_cast<uint8_t>(n * 7));
      p.created_at = p.updated_at = 1795608000 + n;
      return tx.InsertPerson(p);
    });
  }
  static int64_t Count(Store& store) {
    int64_t n = -1;
    EXPECT_TRUE(store.Read([&](Tx& tx) -> Status {
      CITYID_ASSIGN_OR_RETURN(n, tx.CountPersons());
      return Status::Ok();
    }).ok());
    return n;
  }

  // The WAL index (DB-shm, native byte order, SQLite's wal.c): mxFrame, the last valid frame
  // of the log, in the first copy of the header; nBackfill, the frames already copied back into
  // the database file, in the checkpoint info after the header's two copies.
  struct WalIndex {
    uint32_t max_frame = 0;
    uint32_t backfilled = 0;
  };
  WalIndex ReadWalIndex() const {
    std::ifstream f(path_ + "-shm", std::ios::binary);
    char header[100] = {};
    f.read(header, sizeof header);
    EXPECT_EQ(f.gcount(), static_cast<std::streamsize>(sizeof header));
    WalIndex w;
    std::memcpy(&w.max_frame, header + 16, 4);
    std::memcpy(&w.backfilled, header + 96, 4);
    return w;
  }
  static int ThreadCount() {
    int n = 0;
    for ([[maybe_unused]] const auto& t : fs::directory_iterator("/proc/self/task")) ++n;
    return n;
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(CheckpointerTest, BackgroundPassesKeepTheLogBoundedAndLoseNothing) {
  using sqlite_internal::Checkpointer;
  using sqlite_internal::SqliteStore;
  constexpr int kPersons = 12000;  // ~30,000 frames: past the hard limit at least once
  SqliteOptions o;
  o.synchronous_full = false;  // the test is about checkpoints, not fsync
  {
    auto opened = OpenSqliteStore(path_, o);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    Store& store = **opened;
    uintmax_t largest_wal = 0;
    for (int i = 0; i < kPersons; ++i) {
      ASSERT_TRUE(Insert(store, i).ok()) << i;
      if (i % 500 == 0) {
        std::error_code ec;
        largest_wal = std::max(largest_wal, fs::file_size(path_ + "-wal", ec));
      }
    }
    EXPECT_GT(static_cast<SqliteStore&>(store).CheckpointPasses(), 0);
    // Bounded: the hard limit plus one pass's worth of frames, at 4 KiB + 24 bytes a frame.
    EXPECT_LT(largest_wal, uintmax_t{Checkpointer::kHardPages + 2 * Checkpointer::kNudgePages} *
                               4120);
    EXPECT_EQ(Count(store), kPersons);
  }
  auto reopened = OpenSqliteStore(path_, o);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ(Count(**reopened), kPersons);
}

TEST_F(CheckpointerTest, CompactStillTruncatesTheLog) {
  auto opened = OpenSqliteStore(path_);
  ASSERT_TRUE(opened.ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(Insert(**opened, i).ok());
  EXPECT_GT(fs::file_size(path_ + "-wal"), 0u);
  ASSERT_TRUE((*opened)->Compact().ok());
  EXPECT_EQ(fs::file_size(path_ + "-wal"), 0u);
  EXPECT_EQ(Count(**opened), 50);
}

// Off means SQLite's own checkpointing in the committing thread (sqlite_store.h): no second
// thread, nothing copied back while the log grows past the background checkpointer's first
// nudge, and the commit that takes the log past wal_autocheckpoint (10000 frames) copies every
// frame back before it returns.
TEST_F(CheckpointerTest, CanBeTurnedOff) {
  using sqlite_internal::Checkpointer;
  constexpr uint32_t kAutoCheckpointFrames = 10000;  // PRAGMA wal_autocheckpoint in sqlite_store.cc
  const int threads_before = ThreadCount();
  SqliteOptions o;
  o.background_checkpoint = false;
  o.synchronous_full = false;  // the test is about checkpoints, not fsync
  auto opened = OpenSqliteStore(path_, o);
  ASSERT_TRUE(opened.ok());
  Store& store = **opened;
  EXPECT_EQ(ThreadCount(), threads_before) << "a checkpointer thread was started";

  int n = 0;
  WalIndex wal;
  while ((wal = ReadWalIndex()).max_frame < Checkpointer::kNudgePages + 1000) {
    ASSERT_TRUE(Insert(store, n++).ok()) << n;
  }
  EXPECT_EQ(wal.backfilled, 0u) << "frames were checkpointed below SQLite's own threshold";

  while ((wal = ReadWalIndex()).backfilled == 0 && wal.max_frame < kAutoCheckpointFrames + 100) {
    ASSERT_TRUE(Insert(store, n++).ok()) << n;
  }
  EXPECT_GE(wal.max_frame, kAutoCheckpointFrames);
  EXPECT_EQ(wal.backfilled, wal.max_frame) << "the committing thread copied every frame back";
  EXPECT_EQ(static_cast<sqlite_internal::SqliteStore&>(store).CheckpointPasses(), 0);
  EXPECT_EQ(Count(store), n);
}

}  // namespace
}  // namespace cityid::store
