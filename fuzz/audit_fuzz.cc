// libFuzzer target: what an outside auditor reads (docs/audit.md, `cityid audit verify
// --entries F --tree-heads F --log-key F`): ParseEntriesJson, ParseTreeHeadsJson,
// ParseLogKeyJson, then LogVerifier over what they accepted.
//
// The input is split at NUL bytes (JSON text holds none): with three parts they are the entries,
// tree heads and log key files, verified as the CLI does; otherwise every parser reads the whole
// input. Any error is fine; a crash, a leak, an exception or an accepted entry that does not
// survive its own round trip is not. Seeds (fuzz/corpus/audit_fuzz/) are `cityid audit export`
// output of a real log, each file alone and the three joined.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "audit/verify.h"

namespace {

using namespace cityid;  // NOLINT: fuzz harness, not a header

void CheckEntries(const Result<std::vector<audit::LogEntry>>& entries) {
  if (!entries.ok()) return;
  nlohmann::ordered_json j;
  j["format"] = "cityid-audit-entries-v1";
  j["entries"] = nlohmann::ordered_json::array();
  for (const auto& e : *entries) j["entries"].push_back(audit::EntryToJson(e));
  auto back = audit::ParseEntriesJson(j.dump());
  if (!back.ok() || back->size() != entries->size()) std::abort();
  for (size_t i = 0; i < back->size(); ++i) {
    const auto& a = (*entries)[i];
    const auto& b = (*back)[i];
    if (a.seq != b.seq || a.leaf_hash != b.leaf_hash || a.entry.at != b.entry.at ||
        a.entry.actor != b.entry.actor || a.entry.subject != b.entry.subject ||
        a.entry.reason != b.entry.reason) {
      std::abort();
    }
  }
}

void CheckHeads(const Result<std::vector<audit::SignedTreeHead>>& heads) {
  if (!heads.ok()) return;
  auto back = audit::ParseTreeHeadsJson(audit::TreeHeadsToJson(*heads));
  if (!back.ok() || back->size() != heads->size()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at; (at = text.find('\0', start)) != std::string_view::npos; start = at + 1) {
    parts.push_back(text.substr(start, at - start));
  }
  parts.push_back(text.substr(start));

  if (parts.size() != 3) {
    CheckEntries(audit::ParseEntriesJson(text));
    CheckHeads(audit::ParseTreeHeadsJson(text));
    (void)audit::ParseLogKeyJson(text);
    return 0;
  }
  auto entries = audit::ParseEntriesJson(parts[0]);
  auto heads = audit::ParseTreeHeadsJson(parts[1]);
  auto key = audit::ParseLogKeyJson(parts[2]);
  CheckEntries(entries);
  CheckHeads(heads);
  if (!entries.ok() || !heads.ok() || !key.ok()) return 0;
  audit::LogVerifier verifier(*key);
  Status s = Status::Ok();
  for (const auto& e : *entries) {
    s = verifier.AddEntry(e);
    if (!s.ok()) break;
  }
  if (s.ok()) s = verifier.Finish(*heads);
  if (s.ok() != (!verifier.failed_seq() && !verifier.failed_head())) std::abort();
  return 0;
}
