#include "store/sqlite/checkpointer.h"

#include <signal.h>

namespace cityid::store::sqlite_internal {

std::unique_ptr<Checkpointer> Checkpointer::Start(const std::string& path, bool full_sync) {
  std::unique_ptr<Checkpointer> c(new Checkpointer());
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &c->db_, flags, nullptr) != SQLITE_OK) {
    sqlite3_close_v2(c->db_);
    c->db_ = nullptr;
    return nullptr;
  }
  sqlite3_busy_timeout(c->db_, 5000);
  // A checkpoint syncs the database file according to the connection's own setting.
  sqlite3_exec(c->db_, full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL",
               nullptr, nullptr, nullptr);
  sqlite3_exec(c->db_, "PRAGMA secure_delete=ON", nullptr, nullptr, nullptr);
  // The thread never takes signals: a program that waits for SIGTERM with sigwait (serve)
  // blocks them only after opening the store, and a thread that left them unblocked would be
  // killed by them instead. Threads inherit the creating thread's mask.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  c->thread_ = std::thread([raw = c.get()] { raw->Loop(); });
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  return c;
}

Checkpointer::~Checkpointer() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
  sqlite3_close_v2(db_);
}

void Checkpointer::Attach(sqlite3* db) { sqlite3_wal_hook(db, &Checkpointer::OnCommit, this); }

int Checkpointer::passes() const {
  std::lock_guard lock(mu_);
  return passes_;
}

// Runs on the writer's thread after each commit, outside the write lock. `pages` is the
// number of frames in the WAL, which falls back to a few when the log has restarted.
int Checkpointer::OnCommit(void* self, sqlite3* db, const char* schema, int pages) {
  auto* c = static_cast<Checkpointer*>(self);
  if (pages < c->next_nudge_ - kNudgePages) c->next_nudge_ = kNudgePages;  // log restarted
  if (pages >= c->next_nudge_) {
    c->next_nudge_ = pages + kNudgePages;
    {
      std::lock_guard lock(c->mu_);
      c->pending_ = true;
    }
    c->cv_.notify_one();
  }
  if (pages >= kHardPages) {
    // Only the frames since the background pass remain; once they are in the database file,
    // the next write restarts the log. Errors (busy) leave the frames for the next attempt.
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  }
  return SQLITE_OK;
}

void Checkpointer::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || pending_; });
    if (stop_) return;
    pending_ = false;
    lock.unlock();
    // PASSIVE: copies what no reader still needs, never blocks the writer. A busy or partial
    // pass is simply retried at the next nudge.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    ++passes_;
  }
}

}  // namespace cityid::store::sqlite_internal
