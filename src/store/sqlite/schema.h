#pragma once
// Versioned schema migrations. Append only: a shipped migration is never edited.
// Versions strictly increase; each area of the store (staff, sites, register, ...) adds its own
// numbered entry, so a version may be skipped but never reused or reordered.

#include <array>

namespace cityid::store::sqlite_schema {

struct Migration {
  int version;
  const char* sql;
};

inline constexpr Migration kMigrations[] = {
    // v1: initial schema.
    {1, R"sql(
CREATE TABLE persons (
  id TEXT PRIMARY KEY,
  wrapped_key BLOB NOT NULL,
  sealed BLOB NOT NULL,
  schema_version INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  person_id TEXT NOT NULL,
  state TEXT NOT NULL,
  site TEXT NOT NULL,
  policy_version TEXT NOT NULL,
  evaluation_json TEXT NOT NULL,  -- totals only: no document types, dates or reasons
  flags_json TEXT NOT NULL,
  created_by TEXT NOT NULL,
  decided_by TEXT NOT NULL,
  decision_reason TEXT NOT NULL,
  hold_reason TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX applications_person ON applications(person_id);
CREATE INDEX applications_state ON applications(state, updated_at);

CREATE TABLE checked_documents (
  application_id TEXT NOT NULL REFERENCES applications(id) ON DELETE CASCADE,
  category TEXT NOT NULL CHECK (category IN ('identity', 'residency', 'both')),
  identity_points INTEGER NOT NULL,
  residency_points INTEGER NOT NULL,
  accepted INTEGER NOT NULL,
  checked_by TEXT NOT NULL,
  checked_at INTEGER NOT NULL,
  number_index BLOB
) STRICT;
CREATE INDEX checked_documents_app ON checked_documents(application_id);
CREATE INDEX checked_documents_number ON checked_documents(number_index)
  WHERE number_index IS NOT NULL;

CREATE TABLE dedup_keys (
  key BLOB NOT NULL,
  kind TEXT NOT NULL,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE
) STRICT;
CREATE INDEX dedup_keys_key ON dedup_keys(key);
CREATE INDEX dedup_keys_person ON dedup_keys(person_id);

CREATE TABLE cards (
  number TEXT PRIMARY KEY,
  person_id TEXT NOT NULL,
  application_id TEXT NOT NULL REFERENCES applications(id),
  state TEXT NOT NULL,
  issued_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  status_list_id TEXT NOT NULL,
  status_index INTEGER NOT NULL,
  key_id BLOB NOT NULL,
  replaced_by TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (status_list_id, status_index)
) STRICT;
CREATE INDEX cards_person ON cards(person_id);
CREATE INDEX cards_expiry ON cards(state, expires_at);

CREATE TABLE status_lists (
  id TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  bits BLOB NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE audit_log (
  seq INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  role TEXT NOT NULL,
  site TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  reason TEXT NOT NULL,
  leaf_hash BLOB NOT NULL
) STRICT;

-- The log is append-only: the database itself refuses updates and deletes.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
  BEGIN SELECT RAISE(ABORT, 'audit log is append-only'); END;
)sql"},
    // v2: signed tree heads of the audit log (DESIGN §8), append-only like the log.
    {2, R"sql(
CREATE TABLE tree_heads (
  id INTEGER PRIMARY KEY,
  tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
  timestamp INTEGER NOT NULL,
  root_hash BLOB NOT NULL CHECK (length(root_hash) = 32),
  key_id BLOB NOT NULL,
  signature BLOB NOT NULL
) STRICT;

CREATE TRIGGER tree_heads_no_update BEFORE UPDATE ON tree_heads
  BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;
CREATE TRIGGER tree_heads_no_delete BEFORE DELETE ON tree_heads
  BEGIN SELECT RAISE(ABORT, 'tree heads are append-only'); END;
)sql"},
};

}  // namespace cityid::store::sqlite_schema
