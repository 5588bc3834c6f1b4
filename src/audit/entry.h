#pragma once
// Access-log entries (DESIGN §8). An entry never holds personal data: the subject is a
// pseudonymous id (person, application or card id), the reason is staff-entered free text that
// the UI asks to keep generic ("applicant request", "supervisor review").

#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/clock.h"

namespace cityid::audit {

struct Entry {
  UnixSeconds at = 0;
  std::string actor;    // staff id, "cli:<user>" or "system:<job>"
  std::string role;     // clerk, supervisor, partner, auditor, admin, system
  std::string site;     // site id, may be empty
  std::string action;   // e.g. "application.create", "card.revoke", "person.purge"
  std::string subject;  // pseudonymous id
  std::string reason;   // may be empty
};

// Canonical, unambiguous byte encoding of an entry: each field as a 4-byte big-endian length
// followed by its bytes, `at` as 8 bytes big-endian, prefixed by "cityid-audit-v1".
Bytes CanonicalBytes(const Entry& e);

// RFC 6962 §2.1 leaf hash: SHA-256(0x00 || CanonicalBytes(e)).
Bytes LeafHash(const Entry& e);

// RFC 6962 §2.1 Merkle Tree Hash of the given leaf hashes (node hash SHA-256(0x01 || l || r)).
// The empty tree hashes to SHA-256("").
Bytes MerkleTreeHash(const std::vector<Bytes>& leaf_hashes);

}  // namespace cityid::audit
