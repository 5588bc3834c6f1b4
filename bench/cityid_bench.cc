// cityid benchmarks: prints, in one run, raw library limits and cityid's figures with ratios.
//
//   build/bench/cityid_bench [--persons N] [--large M] [--dir DIR] [--sync full|normal] [--quick]
//                            [--card-only]
//
// Each cityid figure with a target is measured interleaved with its raw counterpart (alternating
// slices), so that other load on a shared machine falls on both and the printed ratio holds.
//
// Durability: the raw SQLite baseline and cityid run at the same setting, WAL with
// synchronous=FULL by default (production: an acknowledged enrollment survives power loss) or
// NORMAL (--sync normal: survives process crashes only). Every enrollment and every raw insert
// is its own transaction.
#include <sodium.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/workflow.h"
#include "credential/card.h"
#include "credential/status_list.h"
#include "fixtures.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Two operations measured in alternating slices of about 10 ms each, `budget` seconds in all, so
// that load from other processes on a shared machine falls on both alike: the ratio of the two
// rates is what the targets are about, and it stays stable when the absolute rates do not.
struct PairedRates {
  double a = 0;
  double b = 0;
};

PairedRates MeasurePaired(double budget, const std::function<void()>& a,
                          const std::function<void()>& b) {
  // Operations per ~10 ms slice, from a short timed warm-up.
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
  std::printf("  %-58s %12.1f %-8s %s\n", what, value, unit, extra);
}

std::string Ratio(double a, double b, double target) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "ratio %.2fx (target >= %.1fx: %s)", a / b, target,
                a / b >= target ? "met" : "NOT met");
  return buf;
}

// Raw SQLite: one row of `row_bytes` per transaction, the same pragmas as the store opened for
// a bulk import (durability, secure_delete, the default page cache, memory-mapped reads) and
// the same checkpointing: the store's background checkpointer (store/sqlite/checkpointer.h,
// its thresholds and its hook in place of SQLite's inline checkpoint every 1,000 frames).
class RawInserter {
 public:
  RawInserter(std::string path, size_t row_bytes, bool full) : path_(std::move(path)), blob_(row_bytes) {
    std::filesystem::remove(path_);
    sqlite3_open(path_.c_str(), &db_);
    sqlite3_exec(db_, full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                           : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
                 nullptr, nullptr, nullptr);
    sqlite3_exec(db_, "PRAGMA cache_size=-2000; PRAGMA mmap_size=2147418112;", nullptr, nullptr,
                 nullptr);
    sqlite3_exec(db_, "PRAGMA wal_autocheckpoint=10000;", nullptr, nullptr, nullptr);
    sqlite3_exec(db_, "CREATE TABLE t (id TEXT PRIMARY KEY, v BLOB NOT NULL) STRICT;", nullptr,
                 nullptr, nullptr);
    checkpointer_ = store::sqlite_internal::Checkpointer::Start(path_, full);
    if (checkpointer_) checkpointer_->Attach(db_);
    sqlite3_prepare_v2(db_, "INSERT INTO t VALUES (?, ?)", -1, &st_, nullptr);
    randombytes_buf(blob_.data(), blob_.size());
  }
  ~RawInserter() {
    checkpointer_.reset();
    sqlite3_finalize(st_);
    sqlite3_close(db_);
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path_ + suffix);
  }
  void Insert(size_t rows) {
    for (size_t i = 0; i < rows; ++i, ++next_) {
      sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
      const std::string id = "row" + std::to_string(next_);
      blob_[next_ % blob_.size()] ^= 1;
      sqlite3_bind_text(st_, 1, id.c_str(), -1, SQLITE_TRANSIENT);
      sqlite3_bind_blob(st_, 2, blob_.data(), static_cast<int>(blob_.size()), SQLITE_TRANSIENT);
      sqlite3_step(st_);
      sqlite3_reset(st_);
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    }
  }
  // Pages this connection's commits have written to the write-ahead log so far.
  uint64_t PagesWritten() {
    int current = 0, highest = 0;
    sqlite3_db_status(db_, SQLITE_DBSTATUS_CACHE_WRITE, &current, &highest, 0);
    return static_cast<uint64_t>(current);
  }

 private:
  std::string path_;
  std::vector<uint8_t> blob_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* st_ = nullptr;
  std::unique_ptr<store::sqlite_internal::Checkpointer> checkpointer_;
  size_t next_ = 0;
};

int64_t DbBytes(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t bytes = 0;
  if (sqlite3_prepare_v2(db, "SELECT page_count * page_size FROM pragma_page_count(), "
                             "pragma_page_size()", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW) {
    bytes = sqlite3_column_int64(st, 0);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return bytes;
}

int Main(int argc, char** argv) {
  size_t persons = 100000;
  size_t large = 1000000;
  std::string dir = std::filesystem::temp_directory_path() / ("cityid-bench-" + std::to_string(::getpid()));
  double budget = 1.0;
  bool full_sync = true;
  bool card_only = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--persons" && i + 1 < argc) persons = std::stoul(argv[++i]);
    else if (a == "--large" && i + 1 < argc) large = std::stoul(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--quick") { persons = 2000; large = 20000; budget = 0.3; }
    else if (a == "--card-only") card_only = true;
    else if (a == "--sync" && i + 1 < argc) full_sync = std::string(argv[++i]) != "normal";
    else {
      std::fprintf(stderr, "usage: cityid_bench [--persons N] [--large M] [--dir DIR] [--sync full|normal] [--quick] [--card-only]\n");
      return 2;
    }
  }
  if (!crypto::InitCrypto().ok()) return 1;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::printf("cityid benchmarks (%zu persons, dedup also at %zu; one run, one machine)\n\n",
              persons, large);
  std::fflush(stdout);

  // ---- store and workflow setup ----
  SeededRng rng(2026);
  auto keys = std::move(crypto::Keyring::Create(dir + "/keys", rng)).value();
  const std::string db_path = dir + "/cityid.db";
  store::SqliteOptions opts;
  opts.synchronous_full = full_sync;
  opts.bulk_import = true;  // the import, as `cityid enroll --batch` opens the store
  auto store = std::move(store::OpenSqliteStore(db_path, opts)).value();
  const char* src = std::getenv("CITYID_SOURCE_DIR");
  const std::string policy_path =
      std::string(src ? src : ".") + "/policies/new-york-points.toml";
  auto policy_r = policy::Policy::Load(policy_path);
  if (!policy_r.ok()) {
    std::fprintf(stderr, "cannot load %s: %s (set CITYID_SOURCE_DIR or run from the repo root)\n",
                 policy_path.c_str(), policy_r.status().ToString().c_str());
    return 1;
  }
  policy::Policy policy = std::move(policy_r).value();
  auto names = std::move(dedup::NameNormalizer::Create()).value();
  FixedClock clock(1795608000);  // 2026-11-25 12:00 UTC
  SystemRng sys_rng;
  core::Context ctx{*store, *keys, policy, *names, clock, sys_rng};
  const Date today = Date::FromUnix(clock.Now());
  core::Actor clerk{"bench-clerk", core::Role::kClerk, "city-hall"};
  core::Actor sup{"bench-sup", core::Role::kSupervisor, "city-hall"};
  char buf[160];

  // ---- the card: CPU only, each cityid figure interleaved with its raw counterpart ----
  {
    const crypto::Signer& signer = keys->issuer_signer();
    std::vector<uint8_t> msg(320);
    randombytes_buf(msg.data(), msg.size());
    const Bytes sig = *signer.Sign(msg);

    credential::CardClaims claims;
    claims.card_number = "123456789012";
    claims.full_name = "Jose Garcia";
    claims.given_name = "Jose";
    claims.family_name = "Garcia";
    claims.date_of_birth = {1990, 4, 12};
    claims.status_list_id = "1";
    claims.status_index = 4711;
    credential::CwtMeta meta{policy.issuer(), clock.Now(), clock.Now() + 5 * 365 * 86400};
    const Bytes seed(32, 7);
    const std::string typical = credential::EncodeCard(claims, meta, signer, seed)->qr_text;

    // Cards to verify: the fixture applicants' names, each with its own status index.
    std::vector<std::string> qrs;
    for (uint64_t i = 0; i < 256; ++i) {
      const core::ApplicantInput in = MakeApplicant(i, today);
      credential::CardClaims c = claims;
      c.given_name = in.legal_name.given;
      c.family_name = in.legal_name.family;
      c.full_name = in.legal_name.given + " " + in.legal_name.family;
      c.status_index = static_cast<uint32_t>(1000 + i);
      auto e = credential::EncodeCard(c, meta, signer, seed);
      if (e.ok()) qrs.push_back(e->qr_text);
    }
    auto pub = keys->PublicKeys(policy.issuer());
    const credential::StatusList list = credential::StatusList::Create("1");

    std::printf("The card (CPU only; each pair measured in alternating 10 ms slices)\n");
    const PairedRates sign = MeasurePaired(
        2 * budget, [&] { (void)signer.Sign(msg); },
        [&] { (void)credential::EncodeCard(claims, meta, signer, seed); });
    Row("libsodium Ed25519 sign (320-byte message)", sign.a, "ops/s");
    Row("issuance: sign card payload (Claim 169 + CWT + COSE + zlib + Base45)", sign.b, "/s",
        Ratio(sign.b, sign.a, 0.5).c_str());
    size_t q = 0;
    const PairedRates verify = MeasurePaired(
        2 * budget, [&] { (void)crypto::VerifyEd25519(signer.public_key(), msg, sig); },
        [&] {
          auto o = credential::VerifyCard(qrs[q++ % qrs.size()], pub, clock.Now(), &list);
          if (o.verdict != credential::Verdict::kValid) std::abort();
        });
    Row("libsodium Ed25519 verify", verify.a, "ops/s");
    Row("offline card verification (Base45, inflate, CBOR, COSE, status)", verify.b, "/s",
        Ratio(verify.b, verify.a, 0.8).c_str());
    std::snprintf(buf, sizeof buf, "(target <= 600: %s)", typical.size() <= 600 ? "met" : "NOT met");
    Row("QR payload of a typical card (Base45 characters)", static_cast<double>(typical.size()),
        "chars", buf);
  }
  if (card_only) {
    store.reset();
    std::filesystem::remove_all(dir);
    return 0;
  }

  // ---- bulk enrollment, interleaved with raw inserts of rows of the same size ----
  std::printf("\nThe store (WAL, synchronous=%s, one transaction per enrollment / raw row)\n",
              full_sync ? "FULL" : "NORMAL");
  std::vector<std::string> apps;
  apps.reserve(persons);
  size_t flagged = 0;
  double enroll_seconds = 0;
  // Bulk enrollment goes through core::EnrollMany, the path of `cityid enroll --batch`: each
  // applicant is its own durable transaction; the next one is prepared on the second core
  // while one commits.
  auto enroll_batch = [&](size_t n) -> bool {
    const size_t first_index = apps.size();
    const size_t count = std::min(n, persons - first_index);
    size_t produced = 0;
    bool ok = true;
    const auto t0 = Clock::now();
    core::EnrollMany(
        ctx,
        [&]() -> std::optional<Result<core::ApplicantInput>> {
          if (produced == count) return std::nullopt;
          return MakeApplicant(first_index + produced++, today);
        },
        clerk, [&](size_t i, Result<core::EnrollResult> r) {
          if (!r.ok()) {
            std::fprintf(stderr, "enroll %zu failed: %s\n", first_index + i,
                         r.status().ToString().c_str());
            ok = false;
            return;
          }
          flagged += r->state == core::ApplicationState::kFlagged;
          apps.push_back(r->application_id);
        });
    enroll_seconds += Seconds(t0, Clock::now());
    return ok;
  };
  // A first slice sizes the raw rows: database bytes per enrollment (rows and indexes).
  const size_t first = std::min<size_t>(persons, 1000);
  if (!enroll_batch(first)) return 1;
  const size_t row_bytes = static_cast<size_t>(DbBytes(db_path) / static_cast<int64_t>(first));
  const store::StoreStats enroll_start = store->Stats();
  RawInserter raw(dir + "/raw.db", row_bytes, full_sync);
  double raw_seconds = 0;
  size_t raw_rows = 0;
  while (apps.size() < persons) {
    const size_t n = std::min<size_t>(250, persons - apps.size());
    if (!enroll_batch(n)) return 1;
    const auto t0 = Clock::now();
    raw.Insert(n);
    raw_seconds += Seconds(t0, Clock::now());
    raw_rows += n;
  }
  const store::StoreStats enroll_end = store->Stats();
  const double enroll_rate = static_cast<double>(persons) / enroll_seconds;
  const double raw_insert = raw_rows ? static_cast<double>(raw_rows) / raw_seconds : 0;
  Row("SQLite insert, 1 row/transaction (same size as 1 enrollment)", raw_insert, "rows/s");
  std::snprintf(buf, sizeof buf, "(%zu bytes/row, %zu rows, %.1f pages written/commit)", row_bytes,
                raw_rows, raw_rows ? static_cast<double>(raw.PagesWritten()) / raw_rows : 0.0);
  std::printf("  %-58s %21s %s\n", "", "", buf);
  Row("bulk enrollment (vet + ICU + encrypt + dedup + audit, 1 txn each, pipelined)", enroll_rate, "/s",
      Ratio(enroll_rate, raw_insert, 0.3).c_str());
  std::printf("  %-58s %12zu %s\n", "  possible duplicates flagged among synthetic applicants", flagged, "");
  if (const uint64_t commits = enroll_end.commits - enroll_start.commits; commits > 0) {
    std::printf("  %-58s %12.1f %s\n", "  pages written per enrollment commit",
                static_cast<double>(enroll_end.pages_written - enroll_start.pages_written) /
                    static_cast<double>(commits),
                "(write-ahead log frames)");
  }

  // ---- from here on, the store as the server opens it ----
  // The bulk-import tuning (sqlite_store.h) is for `enroll --batch` alone: dedup lookups and
  // issuance are measured on the store reopened with the server's options (64 MiB page cache,
  // read() calls).
  store.reset();
  opts.bulk_import = false;
  store = std::move(store::OpenSqliteStore(db_path, opts)).value();
  core::Context served{*store, *keys, policy, *names, clock, sys_rng};

  // ---- dedup lookup latency ----
  auto dedup_lookup = [&](size_t samples) {
    std::vector<double> us;
    us.reserve(samples);
    for (size_t k = 0; k < samples; ++k) {
      // Half existing people (hits), half new people (misses).
      const uint64_t i = (k % 2 == 0) ? (k * 7919) % persons : persons * 10 + k;
      core::ApplicantInput in = MakeApplicant(i, today);
      const auto t0 = Clock::now();
      auto keys_r = dedup::NameDobKeys(*names, keys->blind_indexer(), in.legal_name.given,
                                       in.legal_name.family, in.date_of_birth);
      auto doc = dedup::DocumentKey(keys->blind_indexer(), in.documents[0].type,
                                    in.documents[0].number);
      size_t hits = 0;
      (void)store->Read([&](store::Tx& tx) -> Status {
        std::vector<Bytes> k2;
        for (const auto& key : *keys_r) k2.push_back(key.mac);
        auto rows = tx.FindDedupKeys(k2);
        auto docs = tx.FindDocumentIndex(doc->mac);
        hits = rows->size() + docs->size();
        return Status::Ok();
      });
      us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t0).count());
      (void)hits;
    }
    return Measure(us);
  };
  auto p = dedup_lookup(4000);
  std::snprintf(buf, sizeof buf, "dedup lookup p50 at %zu persons", persons);
  Row(buf, p.p50_us, "us");
  std::snprintf(buf, sizeof buf, "dedup lookup p99 at %zu persons", persons);
  Row(buf, p.p99_us, "us", p.p99_us < 2000 ? "(target < 2 ms: met)" : "(target < 2 ms: NOT met)");

  // ---- issuance through the workflow (includes a durable commit: no raw counterpart) ----
  const size_t issue_n = std::min<size_t>(apps.size(), 3000);
  for (size_t i = 0; i < issue_n; ++i) (void)core::Approve(served, apps[i], sup, "bench");
  const auto i0 = Clock::now();
  for (size_t i = 0; i < issue_n; ++i) {
    auto c = core::Issue(served, apps[i], clerk);
    if (!c.ok()) {
      std::fprintf(stderr, "issue failed: %s\n", c.status().ToString().c_str());
      return 1;
    }
  }
  const double issue_rate = static_cast<double>(issue_n) / Seconds(i0, Clock::now());
  Row("issuance: full workflow (decrypt, sign, re-encrypt, store, audit)", issue_rate, "/s",
      "(one durable transaction each)");

  // ---- dedup at the large size: add synthetic persons with random keys ----
  if (large > persons) {
    const auto g0 = Clock::now();
    size_t added = 0;
    while (persons + added < large) {
      const size_t batch = std::min<size_t>(20000, large - persons - added);
      (void)store->Write([&](store::Tx& tx) -> Status {
        for (size_t k = 0; k < batch; ++k) {
          store::PersonRow row{"per_syn" + std::to_string(added + k), Bytes(72, 1), Bytes(400, 2),
                               1, 1, 1};
          CITYID_RETURN_IF_ERROR(tx.InsertPerson(row));
          for (const char* kind : {"name_exact", "name_phonetic", "name_phonetic"}) {
            Bytes key(32);
            randombytes_buf(key.data(), key.size());
            CITYID_RETURN_IF_ERROR(tx.InsertDedupKey({key, kind, row.id}));
          }
        }
        return Status::Ok();
      });
      added += batch;
    }
    std::printf("  (filled to %zu persons in %.1f s)\n", large, Seconds(g0, Clock::now()));
    p = dedup_lookup(4000);
    std::snprintf(buf, sizeof buf, "dedup lookup p50 at %zu persons", large);
    Row(buf, p.p50_us, "us");
    std::snprintf(buf, sizeof buf, "dedup lookup p99 at %zu persons", large);
    Row(buf, p.p99_us, "us", p.p99_us < 2000 ? "(target < 2 ms: met)" : "(target < 2 ms: NOT met)");
  }
  store.reset();
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace cityid::bench

int main(int argc, char** argv) { return cityid::bench::Main(argc, argv); }
