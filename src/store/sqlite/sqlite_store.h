#pragma once
// SQLite implementation of store::Store: one file, WAL, foreign keys, secure_delete,
// temp_store=MEMORY (no temp files), synchronous=FULL, versioned migrations.

#include <memory>
#include <string>

#include "store/store.h"

namespace cityid::store {

struct SqliteOptions {
  // FULL survives power loss; NORMAL survives process crashes only. FULL by default: an
  // acknowledged issuance must not disappear.
  bool synchronous_full = true;
  int busy_timeout_ms = 5000;
  // Checkpoint the write-ahead log on a background thread (checkpointer.h) so that no commit
  // waits for pages to be copied back into the database file. Off: SQLite's own
  // checkpointing, in the committing thread.
  bool background_checkpoint = true;
  // One long bulk job (`cityid enroll --batch`): the database file is read through a read-only
  // memory map and the page cache is SQLite's default 2 MiB instead of 64 MiB. Measured at 100k
  // persons (bench/README.md): +30-38 % enrollments per second. Two reasons: a read that
  // misses the page cache costs a page fault once instead of a read() call each time; and
  // SQLite (3.40) rescans its whole page-cache hash table at the commit of any transaction that
  // split a B-tree page with a page swap (it parks a page at the lock-byte page number), so a
  // small cache makes those commits cheap. Not for the server: mapped pages count towards its
  // resident memory, and an I/O error on a mapped read ends the process (SIGBUS) where the
  // server should answer with an error.
  bool bulk_import = false;
  // Refuse (kStoreCorrupt, nothing changed) a file that holds no cityid schema instead of
  // creating one in it: every opening of an existing data folder, whose keys already exist.
  // Only `init` creates a database.
  bool must_exist = false;
};

// Opens (creating if needed) the database at `path` (":memory:" for tests) and applies pending
// migrations. Fails with kStoreCorrupt if the file is not a cityid database or is newer than
// this binary (or, with must_exist, holds no schema), kStoreBusy when another process holds a
// lock it needs, kStoreReadOnly when it cannot be written, kStoreFull when the disk is full,
// kIo if it cannot be opened otherwise.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                              const SqliteOptions& options = {});

}  // namespace cityid::store
