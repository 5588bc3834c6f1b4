#pragma once
// Moves write-ahead-log checkpoints off the commit path (src/store/sqlite only).
//
// SQLite's default is that the commit which pushes the WAL past its limit copies every frame
// back into the database file and syncs it, while its caller waits. An enrollment dirties ~15
// pages at random places, so that commit copied ~10,000 pages: every few hundredth applicant
// waited a large fraction of a second. Here a thread with its own connection does that copying
// in the background as the log grows; the writer only nudges it. The writer still checkpoints
// itself when the log passes a hard limit — by then only the tail since the background pass is
// left to copy — which is also what lets the next write start the log from the beginning again,
// so the WAL file stays bounded.

#include <sqlite3.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace cityid::store::sqlite_internal {

class Checkpointer {
 public:
  // Frames in the WAL at which the background pass starts, and again after each further
  // `kNudgePages`; at `kHardPages` the writer catches up the tail itself.
  static constexpr int kNudgePages = 2000;
  static constexpr int kHardPages = 20000;

  // Opens a second connection to `path` and starts the thread; nullptr if the connection
  // cannot be opened (the caller then keeps SQLite's own checkpointing).
  static std::unique_ptr<Checkpointer> Start(const std::string& path, bool full_sync);
  ~Checkpointer();  // finishes a running pass, then stops
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Installs the WAL hook on the writer connection `db` (replaces wal_autocheckpoint).
  void Attach(sqlite3* db);

  // Passes completed (for tests).
  int passes() const;

 private:
  Checkpointer() = default;
  static int OnCommit(void* self, sqlite3* db, const char* schema, int pages);
  void Loop();

  sqlite3* db_ = nullptr;  // the checkpointer's own connection
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  bool pending_ = false;
  int passes_ = 0;
  int next_nudge_ = kNudgePages;  // touched only on the writer's thread (inside the WAL hook)
  std::thread thread_;
};

}  // namespace cityid::store::sqlite_internal
