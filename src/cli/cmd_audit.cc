// cityid audit head | verify | export | proof — the tamper-evident access log (DESIGN §8,
// docs/audit.md). None of these commands is itself logged: they read no personal data, and a
// tree head is not an access event.
#include <iostream>
#include <limits>

#include "audit/merkle.h"
#include "audit/node_proofs.h"
#include "audit/verify.h"
#include "base/file.h"
#include "cli/common.h"
#include "core/audit_log.h"
#include "crypto/sign.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::cli {
namespace {

// Export files can be large (a few hundred bytes per entry); refuse anything absurd.
constexpr size_t kMaxExportBytes = size_t{1} << 31;

struct AuditOptions {
  std::string data;
  std::string entries;
  std::string tree_heads;
  std::string log_key;
  int64_t seq = -1;
};

// What the audit commands need of a data folder: the store and the log key — not the policy,
// the name normalizer (verifying a large log starts fast) or the KEK: the log stays verifiable,
// provable and signable after emergency destruction, when the log key is all that is left.
struct OpenedLog {
  std::unique_ptr<crypto::Ed25519Signer> log_key;
  std::unique_ptr<store::Store> store;
  crypto::PublicKey LogPublicKey() const {
    return crypto::PublicKey{log_key->key_id(), log_key->public_key(), "active", std::nullopt};
  }
};

// Never creates anything: an empty database is refused (not migrated into a fresh, empty log
// that verifies as "intact: 0 entries"), a missing log key is kKeysMissing (a new one would
// not verify the old tree heads), and a log key from another folder is kKeyMismatch.
Result<OpenedLog> OpenLog(const std::string& data) {
  if (PathExists(data + kInitMarkerFile) || !PathExists(data + "/cityid.db")) {
    CITYID_RETURN_IF_ERROR(CheckDataFolder(data));
  }
  CITYID_RETURN_IF_ERROR(crypto::InitCrypto());
  OpenedLog log;
  store::SqliteOptions opts;
  opts.must_exist = true;
  CITYID_ASSIGN_OR_RETURN(log.store, store::OpenSqliteStore(data + "/cityid.db", opts));
  CITYID_ASSIGN_OR_RETURN(log.log_key, crypto::Keyring::LoadLogSigner(data + "/keys"));
  CITYID_RETURN_IF_ERROR(CheckKeyBinding(*log.store,
                                         {{"log", Base64UrlEncode(log.log_key->key_id())}},
                                         data + "/keys", false, nullptr, false, 0));
  return log;
}

int FailVerify(const Output& out, const Status& s, const audit::LogVerifier& v) {
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();
  extra["intact"] = false;
  if (v.failed_seq()) extra["failed_seq"] = *v.failed_seq();
  if (v.failed_head()) extra["failed_tree_head"] = *v.failed_head();
  return out.Fail(s, extra);
}

int Head(const GlobalOptions& g, const AuditOptions& o) {
  Output out(g);
  auto log = OpenLog(o.data);
  if (!log.ok()) return out.Fail(log.status());
  const auto clock = MakeClock(g);
  audit::LogVerifier verifier(log->LogPublicKey().public_key);
  audit::SignedTreeHead head;
  // Verify before signing: a head must never bless a log that was already altered. The O(n)
  // pass runs in a read transaction so writers are not held up; the write transaction then
  // verifies only what was appended meanwhile and re-checks every head (O(heads · log² n)).
  size_t heads = 0;
  Status s = log->store->Read([&](store::Tx& tx) { return core::VerifyStoredLog(tx, verifier, &heads); });
  if (s.ok()) {
    s = log->store->Write([&](store::Tx& tx) -> Status {
      CITYID_RETURN_IF_ERROR(core::ForEachAuditEntry(
          tx, [&](audit::LogEntry e) { return verifier.AddEntry(e); },
          static_cast<int64_t>(verifier.entries())));
      CITYID_ASSIGN_OR_RETURN(auto list, tx.ListTreeHeads());
      CITYID_RETURN_IF_ERROR(verifier.Finish(list));
      CITYID_ASSIGN_OR_RETURN(head, audit::SignTreeHead(*log->log_key, verifier.entries(),
                                                        clock->Now(), verifier.tree().Root()));
      CITYID_RETURN_IF_ERROR(tx.AppendTreeHead(head));
      // Bring the stored subtree hashes up to date (the lazy back-fill of docs/audit.md).
      return tx.ExtendAuditNodes().status();
    });
  }
  if (!s.ok()) {
    if (s.id() == ErrorId::kStoreCorrupt) return FailVerify(out, s, verifier);
    return out.Fail(s);
  }
  out.Result(audit::TreeHeadToJson(head), "Signed tree head: " + std::to_string(head.tree_size) +
                                              " entries, root " +
                                              HexEncode(audit::HashToBytes(head.root_hash)) +
                                              ", at " + FormatTime(head.timestamp) + ".");
  return kExitOk;
}

int VerifyFiles(const GlobalOptions& g, const AuditOptions& o) {
  Output out(g);
  if (o.entries.empty() || o.tree_heads.empty() || o.log_key.empty()) {
    std::cerr << "error: Usage error: give --data DIR, or all of --entries, --tree-heads and "
                 "--log-key\n";
    return kExitUsage;
  }
  Status init = crypto::InitCrypto();
  if (!init.ok()) return out.Fail(init);
  auto entries_text = ReadFileBounded(o.entries, kMaxExportBytes);
  if (!entries_text.ok()) return out.Fail(entries_text.status());
  auto heads_text = ReadFileBounded(o.tree_heads, kMaxExportBytes);
  if (!heads_text.ok()) return out.Fail(heads_text.status());
  auto key_text = ReadFileBounded(o.log_key, 1 << 16);
  if (!key_text.ok()) return out.Fail(key_text.status());
  auto entries = audit::ParseEntriesJson(*entries_text);
  if (!entries.ok()) return out.Fail(entries.status().WithContext(o.entries));
  auto heads = audit::ParseTreeHeadsJson(*heads_text);
  if (!heads.ok()) return out.Fail(heads.status().WithContext(o.tree_heads));
  auto key = audit::ParseLogKeyJson(*key_text);
  if (!key.ok()) return out.Fail(key.status().WithContext(o.log_key));
  audit::LogVerifier verifier(*key);
  Status s = Status::Ok();
  for (const auto& e : *entries) {
    s = verifier.AddEntry(e);
    if (!s.ok()) break;
  }
  if (s.ok()) s = verifier.Finish(*heads);
  if (!s.ok()) return FailVerify(out, s, verifier);
  out.Result({{"intact", true}, {"entries", verifier.entries()}, {"tree_heads", heads->size()}},
             "Audit log intact: " + std::to_string(verifier.entries()) + " entries, " +
                 std::to_string(heads->size()) + " signed tree head(s) verified.");
  return kExitOk;
}

int Verify(const GlobalOptions& g, const AuditOptions& o) {
  if (o.data.empty()) return VerifyFiles(g, o);
  Output out(g);
  if (!o.entries.empty() || !o.tree_heads.empty() || !o.log_key.empty()) {
    std::cerr << "error: Usage error: give either --data DIR or --entries/--tree-heads/--log-key\n";
    return kExitUsage;
  }
  auto log = OpenLog(o.data);
  if (!log.ok()) return out.Fail(log.status());
  audit::LogVerifier verifier(log->LogPublicKey().public_key);
  size_t heads = 0;
  Status s = log->store->Read([&](store::Tx& tx) { return core::VerifyStoredLog(tx, verifier, &heads); });
  if (!s.ok()) {
    if (s.id() == ErrorId::kStoreCorrupt) return FailVerify(out, s, verifier);
    return out.Fail(s);
  }
  out.Result({{"intact", true}, {"entries", verifier.entries()}, {"tree_heads", heads}},
             "Audit log intact: " + std::to_string(verifier.entries()) + " entries, " +
                 std::to_string(heads) + " signed tree head(s) verified.");
  return kExitOk;
}

int Export(const GlobalOptions& g, const AuditOptions& o) {
  Output out(g);
  if (o.entries.empty() || o.tree_heads.empty()) {
    std::cerr << "error: Usage error: give --entries FILE and --tree-heads FILE\n";
    return kExitUsage;
  }
  auto log = OpenLog(o.data);
  if (!log.ok()) return out.Fail(log.status());
  // The log holds no personal data by construction (audit/entry.h), so it is exported as is.
  nlohmann::ordered_json entries;
  entries["format"] = "cityid-audit-entries-v1";
  entries["entries"] = nlohmann::ordered_json::array();
  std::vector<audit::SignedTreeHead> heads;
  Status s = log->store->Read([&](store::Tx& tx) -> Status {
    CITYID_RETURN_IF_ERROR(core::ForEachAuditEntry(tx, [&](audit::LogEntry e) {
      entries["entries"].push_back(audit::EntryToJson(e));
      return Status::Ok();
    }));
    CITYID_ASSIGN_OR_RETURN(heads, tx.ListTreeHeads());
    return Status::Ok();
  });
  if (!s.ok()) return out.Fail(s);
  s = WriteFileAtomic(o.entries, entries.dump(2) + "\n", 0644);
  if (s.ok()) s = WriteFileAtomic(o.tree_heads, audit::TreeHeadsToJson(heads), 0644);
  if (s.ok() && !o.log_key.empty()) {
    s = WriteFileAtomic(o.log_key, audit::LogKeyToJson(log->LogPublicKey()), 0644);
  }
  if (!s.ok()) return out.Fail(s);
  nlohmann::ordered_json j{{"entries", entries["entries"].size()},
                           {"tree_heads", heads.size()},
                           {"entries_file", o.entries},
                           {"tree_heads_file", o.tree_heads}};
  if (!o.log_key.empty()) j["log_key_file"] = o.log_key;
  out.Result(j, "Wrote " + std::to_string(entries["entries"].size()) + " entries to " + o.entries +
                    " and " + std::to_string(heads.size()) + " tree head(s) to " + o.tree_heads +
                    (o.log_key.empty() ? "" : ", the log key to " + o.log_key) + ".");
  return kExitOk;
}

int Proof(const GlobalOptions& g, const AuditOptions& o) {
  Output out(g);
  if (o.seq < 0) {
    std::cerr << "error: Usage error: --seq N (N >= 0) is required\n";
    return kExitUsage;
  }
  auto log = OpenLog(o.data);
  if (!log.ok()) return out.Fail(log.status());
  nlohmann::ordered_json proof;
  Status s = log->store->Read([&](store::Tx& tx) -> Status {
    CITYID_ASSIGN_OR_RETURN(proof, core::ProveInclusion(tx, static_cast<uint64_t>(o.seq)));
    return Status::Ok();
  });
  if (!s.ok()) return out.Fail(s);
  std::cout << proof.dump(2) << "\n";
  return kExitOk;
}

}  // namespace

void RegisterAudit(CLI::App& app, GlobalOptions& g, Runner& run) {
  auto* audit = app.add_subcommand("audit", "The tamper-evident access log (RFC 6962 Merkle tree)");
  audit->require_subcommand(1);
  {
    auto o = std::make_shared<AuditOptions>();
    o->data = "data";
    auto* cmd = audit->add_subcommand("head", "Verify the log, then sign and store a tree head");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->callback([&g, &run, o] { run = [&g, o] { return Head(g, *o); }; });
  }
  {
    auto o = std::make_shared<AuditOptions>();
    auto* cmd = audit->add_subcommand(
        "verify",
        "Check every entry, every signed tree head and their consistency; exit 7 if tampered. "
        "Either --data DIR, or exported files (--entries, --tree-heads, --log-key)");
    cmd->add_option("--data", o->data, "Data folder");
    cmd->add_option("--entries", o->entries, "Exported entries (JSON)");
    cmd->add_option("--tree-heads", o->tree_heads, "Exported tree heads (JSON)");
    cmd->add_option("--log-key", o->log_key, "The log public key (JWK JSON)");
    cmd->callback([&g, &run, o] { run = [&g, o] { return Verify(g, *o); }; });
  }
  {
    auto o = std::make_shared<AuditOptions>();
    o->data = "data";
    auto* cmd =
        audit->add_subcommand("export", "Write the log and its tree heads for outside auditors");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--entries", o->entries, "Entries file to write (JSON)");
    cmd->add_option("--tree-heads", o->tree_heads, "Tree heads file to write (JSON)");
    cmd->add_option("--log-key", o->log_key, "Also write the log public key (JWK JSON) here");
    cmd->callback([&g, &run, o] { run = [&g, o] { return Export(g, *o); }; });
  }
  {
    auto o = std::make_shared<AuditOptions>();
    o->data = "data";
    auto* cmd = audit->add_subcommand(
        "proof", "Inclusion proof (JSON) of entry --seq N against the latest tree head");
    cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
    cmd->add_option("--seq", o->seq, "Entry sequence number");
    cmd->callback([&g, &run, o] { run = [&g, o] { return Proof(g, *o); }; });
  }
}

}  // namespace cityid::cli
