// cityid audit benchmarks (issue 6): prints, in one run,
//   1. access-log append rate — one entry, its leaf hash and its stored Merkle nodes
//      (Tx::AppendAudit + Tx::ExtendAuditNodes) per transaction — against raw SQLite inserts of
//      rows of the same shape, one per transaction, at the same durability setting, measured
//      in alternating slices (as cityid_bench's MeasurePaired);
//   2. inclusion and consistency proof generation from stored nodes (audit/node_proofs.h),
//      p50/p99, proof length and node reads, at --medium and --large entries (default 1M, 10M;
//      the log is filled in large transactions first);
//   3. transparency-report generation (core::BuildReport) over --persons synthetic persons
//      (default 1M): one application row and three audit entries (enroll, approve, issue) each.
//
//   build/bench/cityid_audit_bench [--medium N] [--large N] [--persons N] [--dir DIR]
//                                  [--sync full|normal] [--quick]
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "audit/merkle.h"
#include "audit/node_proofs.h"
#include "core/report.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

struct PairedRates {
  double a = 0;
  double b = 0;
};

// Two operations in alternating ~10 ms slices, `budget` seconds in all, so that load from other
// processes falls on both alike (the same method as cityid_bench).
PairedRates MeasurePaired(double budget, const std::function<void()>& a,
                          const std::function<void()>& b) {
  auto slice = [](const std::function<void()>& fn) {
    for (int i = 0; i < 10; ++i) fn();
    const auto t0 = Clock::now();
    for (int i = 0; i < 20; ++i) fn();
    const double per_op = Seconds(t0, Clock::now()) / 20;
    return std::max<size_t>(1, static_cast<size_t>(0.01 / std::max(per_op, 1e-9)));
  };
  const size_t na = slice(a);
  const size_t nb = slice(b);
  double ta = 0;
  double tb = 0;
  size_t done_a = 0;
  size_t done_b = 0;
  while (ta + tb < budget) {
    auto t0 = Clock::now();
    for (size_t i = 0; i < na; ++i) a();
    auto t1 = Clock::now();
    for (size_t i = 0; i < nb; ++i) b();
    auto t2 = Clock::now();
    ta += Seconds(t0, t1);
    tb += Seconds(t1, t2);
    done_a += na;
    done_b += nb;
  }
  return {static_cast<double>(done_a) / ta, static_cast<double>(done_b) / tb};
}

struct Percentiles {
  double p50_us, p99_us, max_us;
};

Percentiles Measure(std::vector<double> us) {
  std::sort(us.begin(), us.end());
  auto at = [&](double q) { return us[std::min(us.size() - 1, static_cast<size_t>(q * us.size()))]; };
  return {at(0.50), at(0.99), us.back()};
}

void Row(const char* what, double value, const char* unit, const char* extra = "") {
  std::printf("  %-62s %12.1f %-8s %s\n", what, value, unit, extra);
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    std::fprintf(stderr, "%s: %s\n", what, s.ToString().c_str());
    std::exit(1);
  }
}

// A typical access-log entry (the fields workflow.cc writes).
audit::Entry EntryFor(int64_t i) {
  return audit::Entry{1795608000 + i, "stf_" + std::to_string(i % 50), "clerk",
                      "site-" + std::to_string(i % 5), "person.read",
                      "per_" + std::to_string(1000000000 + i), "applicant request"};
}

// Raw SQLite: one audit-shaped row per transaction, same pragmas as the store.
class RawAuditInserter {
 public:
  RawAuditInserter(const std::string& path, bool full) {
    std::filesystem::remove(path);
    sqlite3_open(path.c_str(), &db_);
    sqlite3_exec(db_, full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                           : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
                 nullptr, nullptr, nullptr);
    sqlite3_exec(db_,
                 "CREATE TABLE t (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL,"
                 " role TEXT NOT NULL, site TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,"
                 " reason TEXT NOT NULL, leaf_hash BLOB NOT NULL) STRICT;",
                 nullptr, nullptr, nullptr);
    sqlite3_prepare_v2(db_, "INSERT INTO t VALUES (?,?,?,?,?,?,?,?,?)", -1, &ins_, nullptr);
  }
  ~RawAuditInserter() {
    sqlite3_finalize(ins_);
    sqlite3_close(db_);
  }
  void Insert() {
    const audit::Entry e = EntryFor(next_);
    uint8_t hash[32];
    randombytes_buf(hash, sizeof hash);  // a precomputed hash: the raw side does no hashing
    sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    sqlite3_bind_int64(ins_, 1, next_++);
    sqlite3_bind_int64(ins_, 2, e.at);
    const std::string* texts[] = {&e.actor, &e.role, &e.site, &e.action, &e.subject, &e.reason};
    for (int i = 0; i < 6; ++i) {
      sqlite3_bind_text(ins_, 3 + i, texts[i]->data(), static_cast<int>(texts[i]->size()),
                        SQLITE_TRANSIENT);
    }
    sqlite3_bind_blob(ins_, 9, hash, sizeof hash, SQLITE_TRANSIENT);
    if (sqlite3_step(ins_) != SQLITE_DONE) std::abort();
    sqlite3_reset(ins_);
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* ins_ = nullptr;
  int64_t next_ = 0;
};

// Appends entries [from, to) in transactions of `chunk`, extending the stored nodes in each.
void Fill(store::Store& store, int64_t from, int64_t to) {
  constexpr int64_t kChunk = 100000;
  for (int64_t begin = from; begin < to; begin += kChunk) {
    const int64_t end = std::min(to, begin + kChunk);
    Check(store.Write([&](store::Tx& tx) -> Status {
      for (int64_t i = begin; i < end; ++i) {
        CITYID_RETURN_IF_ERROR(tx.AppendAudit(EntryFor(i)).status());
      }
      return tx.ExtendAuditNodes().status();
    }),
          "fill");
  }
}

void ProofFigures(store::Store& store, uint64_t n, size_t samples) {
  std::mt19937_64 gen(n);
  std::vector<double> inc_us;
  std::vector<double> con_us;
  size_t inc_len = 0;
  size_t con_len = 0;
  uint64_t reads = 0;
  Check(store.Read([&](store::Tx& tx) -> Status {
    audit::FunctionNodeSource nodes(n, [&tx](int level, uint64_t index) {
      return tx.GetAuditNode(level, static_cast<int64_t>(index));
    });
    const audit::NodeTree tree(nodes);
    CITYID_ASSIGN_OR_RETURN(const audit::Hash root, tree.RootAt(n));
    for (size_t i = 0; i < samples; ++i) {
      const uint64_t index = gen() % n;
      const uint64_t reads_before = tree.reads();
      const auto t0 = Clock::now();
      CITYID_ASSIGN_OR_RETURN(auto proof, tree.InclusionProof(index, n));
      const auto t1 = Clock::now();
      reads = std::max(reads, tree.reads() - reads_before);
      inc_us.push_back(Seconds(t0, t1) * 1e6);
      inc_len = std::max(inc_len, proof.size());
      CITYID_ASSIGN_OR_RETURN(const audit::Hash leaf, tree.Leaf(index));
      if (!audit::VerifyInclusion(leaf, index, n, proof, root)) std::abort();

      const uint64_t old_size = 1 + gen() % (n - 1);
      const auto t2 = Clock::now();
      CITYID_ASSIGN_OR_RETURN(auto cproof, tree.ConsistencyProof(old_size, n));
      const auto t3 = Clock::now();
      con_us.push_back(Seconds(t2, t3) * 1e6);
      con_len = std::max(con_len, cproof.size());
      if (i % 16 == 0) {  // checking needs the old root: O(log n) more reads, so sample it
        CITYID_ASSIGN_OR_RETURN(const audit::Hash old_root, tree.RootAt(old_size));
        if (!audit::VerifyConsistency(old_size, n, old_root, root, cproof)) std::abort();
      }
    }
    return Status::Ok();
  }),
        "proofs");
  const Percentiles pi = Measure(inc_us);
  const Percentiles pc = Measure(con_us);
  char label[128];
  char extra[160];
  std::snprintf(label, sizeof label, "inclusion proof p50 / p99 at %llu entries (us)",
                static_cast<unsigned long long>(n));
  std::snprintf(extra, sizeof extra, "p99 %.1f us, <= %zu hashes, <= %llu node reads (target < 1 ms: %s)",
                pi.p99_us, inc_len, static_cast<unsigned long long>(reads),
                pi.p99_us < 1000 ? "met" : "NOT met");
  Row(label, pi.p50_us, "us", extra);
  std::snprintf(label, sizeof label, "consistency proof p50 / p99 at %llu entries (us)",
                static_cast<unsigned long long>(n));
  std::snprintf(extra, sizeof extra, "p99 %.1f us, <= %zu hashes (target < 1 ms: %s)", pc.p99_us,
                con_len, pc.p99_us < 1000 ? "met" : "NOT met");
  Row(label, pc.p50_us, "us", extra);
}

// Synthetic persons for the report: an application row and enroll/approve/issue entries each,
// spread over 12 months and 5 sites, written straight through the store in large transactions.
void FillPersons(store::Store& store, int64_t persons) {
  constexpr int64_t kChunk = 50000;
  const UnixSeconds start = 1767225600;  // 2026-01-01
  for (int64_t begin = 0; begin < persons; begin += kChunk) {
    const int64_t end = std::min(persons, begin + kChunk);
    Check(store.Write([&](store::Tx& tx) -> Status {
      for (int64_t i = begin; i < end; ++i) {
        store::ApplicationRow a;
        a.id = "app_" + std::to_string(i);
        a.person_id = "per_" + std::to_string(i);
        a.state = "issued";
        a.site = "site-" + std::to_string(i % 5);
        a.policy_version = "bench";
        a.evaluation_json = "{}";
        a.flags_json = i % 97 == 0 ? "[\"name_exact\"]" : "[]";
        a.created_by = "stf_1";
        a.created_at = a.updated_at = start + (i * 31536000) / persons;
        CITYID_RETURN_IF_ERROR(tx.InsertApplication(a));
        for (const char* action : {"application.enroll", "application.approve", "application.issue"}) {
          CITYID_RETURN_IF_ERROR(
              tx.AppendAudit(audit::Entry{a.created_at, "stf_1", "clerk", a.site, action, a.id, ""})
                  .status());
        }
      }
      return Status::Ok();
    }),
          "fill persons");
  }
}

int Main(int argc, char** argv) {
  uint64_t medium = 1000000;
  uint64_t large = 10000000;
  int64_t persons = 1000000;
  double budget = 4;
  bool full_sync = true;
  std::string dir = std::filesystem::temp_directory_path() / ("cityid-audit-bench-" + std::to_string(::getpid()));
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", a.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--medium") {
      medium = std::stoull(next());
    } else if (a == "--large") {
      large = std::stoull(next());
    } else if (a == "--persons") {
      persons = std::stoll(next());
    } else if (a == "--dir") {
      dir = next();
    } else if (a == "--sync") {
      full_sync = next() != "normal";
    } else if (a == "--quick") {
      medium = 20000;
      large = 100000;
      persons = 20000;
      budget = 1;
    } else {
      std::fprintf(stderr,
                   "usage: cityid_audit_bench [--medium N] [--large N] [--persons N] [--dir DIR] "
                   "[--sync full|normal] [--quick]\n");
      return 2;
    }
  }
  if (medium < 2 || large < medium || persons < 1) {
    std::fprintf(stderr, "need 2 <= --medium <= --large and --persons >= 1\n");
    return 2;
  }
  if (sodium_init() < 0) return 1;
  std::filesystem::create_directories(dir);

  // ---- 1. append rate vs raw insert ----
  std::printf("Access-log append (WAL, synchronous=%s, one transaction per entry / raw row)\n",
              full_sync ? "FULL" : "NORMAL");
  {
    std::filesystem::remove(dir + "/append.db");
    auto opened = store::OpenSqliteStore(dir + "/append.db", store::SqliteOptions{full_sync, 5000});
    Check(opened.status(), "open");
    auto s = std::move(opened).value();
    RawAuditInserter raw(dir + "/raw.db", full_sync);
    int64_t next = 0;
    const PairedRates r = MeasurePaired(
        2 * budget,
        [&] {
          Check(s->Write([&](store::Tx& tx) -> Status {
            CITYID_RETURN_IF_ERROR(tx.AppendAudit(EntryFor(next++)).status());
            return tx.ExtendAuditNodes().status();
          }),
                "append");
        },
        [&] { raw.Insert(); });
    Row("raw SQLite insert of an audit-shaped row", r.b, "/s");
    char extra[64];
    std::snprintf(extra, sizeof extra, "ratio %.2fx of raw insert", r.a / r.b);
    Row("log append: entry + leaf hash + Merkle nodes", r.a, "/s", extra);
  }

  // ---- 2. proofs at medium and large sizes ----
  std::printf("\nProofs from stored subtree hashes (one read transaction, 2,000 random proofs each)\n");
  {
    std::filesystem::remove(dir + "/log.db");
    auto opened = store::OpenSqliteStore(dir + "/log.db", store::SqliteOptions{false, 5000});
    Check(opened.status(), "open");
    auto s = std::move(opened).value();
    auto t0 = Clock::now();
    Fill(*s, 0, static_cast<int64_t>(medium));
    char label[128];
    std::snprintf(label, sizeof label, "fill %llu entries (100k per transaction, with nodes)",
                  static_cast<unsigned long long>(medium));
    Row(label, static_cast<double>(medium) / Seconds(t0, Clock::now()), "/s");
    ProofFigures(*s, medium, 2000);
    t0 = Clock::now();
    Fill(*s, static_cast<int64_t>(medium), static_cast<int64_t>(large));
    std::snprintf(label, sizeof label, "fill to %llu entries", static_cast<unsigned long long>(large));
    Row(label, static_cast<double>(large - medium) / std::max(1e-9, Seconds(t0, Clock::now())), "/s");
    ProofFigures(*s, large, 2000);
  }

  // ---- 3. transparency report ----
  std::printf("\nTransparency report (core::BuildReport over the access log, 12 months)\n");
  {
    std::filesystem::remove(dir + "/report.db");
    auto opened = store::OpenSqliteStore(dir + "/report.db", store::SqliteOptions{false, 5000});
    Check(opened.status(), "open");
    auto s = std::move(opened).value();
    FillPersons(*s, persons);
    const auto t0 = Clock::now();
    auto report = core::BuildReport(*s, "2026-01", "2026-12");
    const double secs = Seconds(t0, Clock::now());
    Check(report.status(), "report");
    char label[128];
    std::snprintf(label, sizeof label, "report over %lld persons (%lld entries), seconds",
                  static_cast<long long>(persons), static_cast<long long>(3 * persons));
    Row(label, secs, "s");
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace cityid::bench

int main(int argc, char** argv) { return cityid::bench::Main(argc, argv); }
