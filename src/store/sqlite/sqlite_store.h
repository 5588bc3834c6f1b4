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
};

// Opens (creating if needed) the database at `path` (":memory:" for tests) and applies pending
// migrations. Fails with kStoreCorrupt if the file is not a cityid database or is newer than
// this binary, kIo if it cannot be opened.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path,
                                              const SqliteOptions& options = {});

}  // namespace cityid::store
