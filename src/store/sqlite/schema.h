#pragma once
// Versioned schema migrations. Append only: a shipped migration is never edited.
// Versions strictly increase; each area of the store (staff, sites, register, ...) adds its own
// numbered entry, so a version may be skipped but never reused or reordered. Every version a
// database lacks is applied (in order), so an area's migration must not depend on another's.

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
    // v3: checked documents move into their application's row, and identity documents' number
    // indexes into dedup_keys (kind 'document'). Same data, same privacy (categories and points
    // only, a keyed hash of the number), but an enrollment dirties 2-3 fewer B-tree pages: a
    // table and two indexes with random keys per enrollment were most of the write cost.
    {3, R"sql(
ALTER TABLE applications ADD COLUMN documents_json TEXT NOT NULL DEFAULT '[]';
UPDATE applications SET documents_json = (
  SELECT json_group_array(json_object(
           'category', category, 'identity_points', identity_points,
           'residency_points', residency_points, 'accepted', accepted,
           'checked_by', checked_by, 'checked_at', checked_at))
  FROM (SELECT * FROM checked_documents d WHERE d.application_id = applications.id
        ORDER BY d.rowid))
WHERE EXISTS (SELECT 1 FROM checked_documents d WHERE d.application_id = applications.id);
INSERT INTO dedup_keys (key, kind, person_id)
  SELECT d.number_index, 'document', a.person_id
  FROM checked_documents d JOIN applications a ON a.id = d.application_id
  WHERE d.number_index IS NOT NULL AND a.person_id IN (SELECT id FROM persons);
DROP TABLE checked_documents;
)sql"},
    // v4: staff accounts, their sessions and failed logins (issue 4; src/auth). Staff rows are
    // staff data, no applicant data. The TOTP secret is sealed under a key derived from the KEK;
    // sessions hold only hashes of the session and CSRF tokens.
    {4, R"sql(
CREATE TABLE staff (
  id TEXT PRIMARY KEY,
  user_name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK (role IN ('clerk', 'supervisor', 'partner', 'auditor', 'admin')),
  site TEXT NOT NULL CHECK (role != 'partner' OR site != ''),
  password_hash TEXT NOT NULL,
  totp_sealed BLOB,
  totp_last_step INTEGER NOT NULL,
  disabled INTEGER NOT NULL CHECK (disabled IN (0, 1)),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE staff_sessions (
  token_hash BLOB PRIMARY KEY CHECK (length(token_hash) = 32),
  staff_id TEXT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  csrf_hash BLOB NOT NULL CHECK (length(csrf_hash) = 32),
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
) STRICT;
CREATE INDEX staff_sessions_staff ON staff_sessions(staff_id);

CREATE TABLE failed_logins (
  staff_id TEXT NOT NULL REFERENCES staff(id) ON DELETE CASCADE,
  at INTEGER NOT NULL
) STRICT;
CREATE INDEX failed_logins_staff ON failed_logins(staff_id, at);
)sql"},
    // v5: the data-request register (docs/transparency.md). No applicant personal data: the
    // scope is checked before insert; disclosures are categories, not records.
    {5, R"sql(
CREATE TABLE data_requests (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL
    CHECK (kind IN ('subpoena', 'warrant', 'court_order', 'records_request', 'other')),
  received_on TEXT NOT NULL,
  requesting_body TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  scope TEXT NOT NULL,
  response TEXT NOT NULL
    CHECK (response IN ('pending', 'refused', 'narrowed', 'complied', 'withdrawn')),
  responded_on TEXT NOT NULL,
  disclosed TEXT NOT NULL,
  persons_covered INTEGER NOT NULL CHECK (persons_covered >= 0),
  recorded_by TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE INDEX data_requests_received ON data_requests(received_on, id);
CREATE INDEX applications_held ON applications(person_id) WHERE hold_reason <> '';
)sql"},
    // v6: sites and appointments (issue 4, core/appointments.h). A site row is public
    // information (its own address, not a person's). A booking holds no personal data in clear:
    // the name to call and the optional contact are one XChaCha20-Poly1305 record under the
    // booking's own data key, wrapped by the KEK; the PIN only as a keyed hash. The partial
    // UNIQUE index gives each live booking its own seat of its slot: two bookings cannot hold
    // the same seat even if the capacity check above it were wrong.
    {6, R"sql(
CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  kind TEXT NOT NULL CHECK (kind IN ('city_hall', 'library', 'partner')),
  address TEXT NOT NULL,
  timezone TEXT NOT NULL,
  hours_json TEXT NOT NULL,
  slot_minutes INTEGER NOT NULL CHECK (slot_minutes BETWEEN 5 AND 240),
  capacity INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 100),
  closed_json TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE appointments (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL UNIQUE,
  pin_hash BLOB NOT NULL CHECK (length(pin_hash) = 32),
  site_id TEXT NOT NULL REFERENCES sites(id),
  slot_start INTEGER NOT NULL,
  seat INTEGER NOT NULL CHECK (seat >= 0 AND seat < 100),
  wrapped_key BLOB NOT NULL,
  sealed BLOB NOT NULL,
  language TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('booked', 'moved', 'cancelled', 'attended')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL CHECK (expires_at > slot_start)
) STRICT;
CREATE UNIQUE INDEX appointments_seat ON appointments(site_id, slot_start, seat)
  WHERE state IN ('booked', 'moved');
CREATE INDEX appointments_expiry ON appointments(expires_at);
)sql"},
    // v7: hashes of the audit log's complete Merkle subtrees, levels >= 1 (level 0 is
    // audit_log.leaf_hash), so proofs read O(log n) nodes (docs/audit.md). Filled lazily by
    // Tx::ExtendAuditNodes, so existing logs need no back-fill here. Append-only like the log.
    // Pending emergency-destruction requests (core/destruction.h): no personal data.
    {7, R"sql(
CREATE TABLE audit_nodes (
  level INTEGER NOT NULL CHECK (level >= 1 AND level < 64),
  idx INTEGER NOT NULL CHECK (idx >= 0),
  hash BLOB NOT NULL CHECK (length(hash) = 32),
  PRIMARY KEY (level, idx)
) STRICT, WITHOUT ROWID;
CREATE TRIGGER audit_nodes_no_update BEFORE UPDATE ON audit_nodes
  BEGIN SELECT RAISE(ABORT, 'audit nodes are append-only'); END;
CREATE TRIGGER audit_nodes_no_delete BEFORE DELETE ON audit_nodes
  BEGIN SELECT RAISE(ABORT, 'audit nodes are append-only'); END;

CREATE TABLE destruction_requests (
  id TEXT PRIMARY KEY,
  requested_by TEXT NOT NULL,
  reason TEXT NOT NULL,
  requested_at INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'executed', 'expired')),
  approved_by TEXT NOT NULL,
  decided_at INTEGER NOT NULL
) STRICT;
)sql"},
    // v8: look up the log by subject, for the applicant's view of accesses to their own record
    // (core/access_history.h). Pseudonymous ids only, like the column it indexes.
    {8, R"sql(
CREATE INDEX audit_log_subject ON audit_log (subject, seq);
)sql"},
    // v9: dedup keys live in one B-tree keyed by (key, kind, person) instead of a rowid table
    // plus an index on key: an enrollment's keys are random, so each B-tree they live in costs
    // a dirty page per key; this saves the table's page per enrollment. A key is a set member:
    // the same (key, kind, person) twice is one row.
    {9, R"sql(
CREATE TABLE dedup_keys_v9 (
  key BLOB NOT NULL,
  kind TEXT NOT NULL,
  person_id TEXT NOT NULL REFERENCES persons(id) ON DELETE CASCADE,
  PRIMARY KEY (key, kind, person_id)
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO dedup_keys_v9 SELECT key, kind, person_id FROM dedup_keys;
DROP TABLE dedup_keys;
ALTER TABLE dedup_keys_v9 RENAME TO dedup_keys;
CREATE INDEX dedup_keys_person ON dedup_keys(person_id);
)sql"},
    // v10 (sites area): a booking can end as 'no_show' (staff mark it at the counter,
    // core::RecordAttendance). SQLite cannot alter a CHECK, so the table is rebuilt with the
    // same columns and rows, and its indexes recreated.
    {10, R"sql(
CREATE TABLE appointments_v10 (
  id TEXT PRIMARY KEY,
  reference TEXT NOT NULL UNIQUE,
  pin_hash BLOB NOT NULL CHECK (length(pin_hash) = 32),
  site_id TEXT NOT NULL REFERENCES sites(id),
  slot_start INTEGER NOT NULL,
  seat INTEGER NOT NULL CHECK (seat >= 0 AND seat < 100),
  wrapped_key BLOB NOT NULL,
  sealed BLOB NOT NULL,
  language TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('booked', 'moved', 'cancelled', 'attended', 'no_show')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL CHECK (expires_at > slot_start)
) STRICT;
INSERT INTO appointments_v10 SELECT id, reference, pin_hash, site_id, slot_start, seat,
  wrapped_key, sealed, language, state, created_at, updated_at, expires_at FROM appointments;
DROP TABLE appointments;
ALTER TABLE appointments_v10 RENAME TO appointments;
CREATE UNIQUE INDEX appointments_seat ON appointments(site_id, slot_start, seat)
  WHERE state IN ('booked', 'moved');
CREATE INDEX appointments_expiry ON appointments(expires_at);
)sql"},
    // v11 (dedup area): an enrollment's dedup keys are random, and every B-tree they live in
    // costs a dirty page per key or per person. The index on dedup_keys(person_id) existed only
    // to delete a person's keys (and for the foreign key's cascade); it cost ~2.7 written pages
    // per enrollment. The person's row now lists its own keys ("kind:HEX" separated by spaces;
    // blind indexes, no personal data) and DeletePerson deletes them by primary key; the table
    // is rebuilt without the foreign key, whose cascade would otherwise scan it.
    {11, R"sql(
ALTER TABLE persons ADD COLUMN dedup_keys TEXT NOT NULL DEFAULT '';
UPDATE persons SET dedup_keys = coalesce((SELECT group_concat(d.kind || ':' || hex(d.key), ' ')
  FROM dedup_keys d WHERE d.person_id = persons.id), '');
CREATE TABLE dedup_keys_v11 (
  key BLOB NOT NULL,
  kind TEXT NOT NULL,
  person_id TEXT NOT NULL,
  PRIMARY KEY (key, kind, person_id)
) STRICT, WITHOUT ROWID;
INSERT INTO dedup_keys_v11 SELECT key, kind, person_id FROM dedup_keys;
DROP TABLE dedup_keys;
ALTER TABLE dedup_keys_v11 RENAME TO dedup_keys;
)sql"},
    // v12 (dedup area): smaller dedup_keys rows, so the same random keys fill fewer pages. A key
    // is stored as the first 16 bytes of its blind index (128 bits) and the four kinds cityid
    // computes as one letter (sqlite_store.cc, StoredDedupKey/StoredDedupKind); other kinds as
    // they are. persons.dedup_keys keeps the full keys and names; the store maps them.
    {12, R"sql(
CREATE TABLE dedup_keys_v12 (
  key BLOB NOT NULL,
  kind TEXT NOT NULL,
  person_id TEXT NOT NULL,
  PRIMARY KEY (key, kind, person_id)
) STRICT, WITHOUT ROWID;
INSERT OR IGNORE INTO dedup_keys_v12
  SELECT substr(key, 1, 16),
         CASE kind WHEN 'name_exact' THEN 'e' WHEN 'name_phonetic' THEN 'p'
                   WHEN 'name_joined' THEN 'j' WHEN 'document' THEN 'd' ELSE kind END,
         person_id
  FROM dedup_keys;
DROP TABLE dedup_keys;
ALTER TABLE dedup_keys_v12 RENAME TO dedup_keys;
)sql"},
    // v13 (access history, issue 14 §1): the applicant's access code, as a keyed hash only
    // (core/access_code.h); at most one live code per person, replaced when staff re-issue it.
    // Each card gets a random pseudonymous id, the subject of its audit entries in place of its
    // number (entries written before keep the number: the log cannot be rewritten).
    {13, R"sql(
ALTER TABLE cards ADD COLUMN subject TEXT NOT NULL DEFAULT '';
UPDATE cards SET subject = 'crd_' || lower(hex(randomblob(10)));
CREATE INDEX cards_subject ON cards(subject);
CREATE TABLE access_codes (
  code_hash BLOB PRIMARY KEY,
  person_id TEXT NOT NULL UNIQUE,
  issued_at INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
)sql"},
    // v14 (faults area): small named facts that are no personal data: the key check values
    // binding DATA/keys to this database (cli/common.cc), the progress of each bulk import
    // (`enroll --batch`), written in the transaction of the enrollments it counts.
    {14, R"sql(
CREATE TABLE store_facts (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
)sql"},
    // v15 (sites, issue 16): what applicants choosing a site want to know besides its hours:
    // the languages its staff speak (policy language codes, JSON array) and access notes.
    {15, R"sql(
ALTER TABLE sites ADD COLUMN languages_json TEXT NOT NULL DEFAULT '[]';
ALTER TABLE sites ADD COLUMN accessibility TEXT NOT NULL DEFAULT '';
)sql"},
    // v16 (staff, issue 17): accounts created through the API enrol their TOTP at the first
    // sign-in; the secret shown then waits here, sealed, until a code of it confirms it.
    {16, R"sql(
ALTER TABLE staff ADD COLUMN totp_pending BLOB;
)sql"},
    // v17 (print station, issue 17): when a card was marked printed (0: not yet, the print
    // queue) and whether the policy's after-print retention (dropping the address and, per
    // policy, the photo) is still to be applied to its holder's record. Cards issued before v17
    // had those fields dropped at issue: they count as printed, with nothing left to drop.
    {17, R"sql(
ALTER TABLE cards ADD COLUMN printed_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE cards ADD COLUMN retention_due INTEGER NOT NULL DEFAULT 0;
UPDATE cards SET printed_at = issued_at;
CREATE INDEX cards_print_queue ON cards(printed_at, issued_at) WHERE printed_at = 0;
)sql"},
};

}  // namespace cityid::store::sqlite_schema
