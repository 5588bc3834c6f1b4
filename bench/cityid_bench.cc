// cityid benchmarks: prints, in one run, raw library limits and cityid's figures with ratios.
//
//   build/bench/cityid_bench [--persons N] [--large M] [--dir DIR] [--sync full|normal] [--quick]
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
#include <string>
#include <vector>

#include "core/workflow.h"
#include "credential/card.h"
#include "credential/status_list.h"
#include "fixtures.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Runs `fn` repeatedly for about `budget` seconds; returns operations per second.
double Rate(double budget, const std::function<void()>& fn) {
  for (int i = 0; i < 10; ++i) fn();  // warm up
  size_t n = 0;
  const auto start = Clock::now();
  auto now = start;
  while (Seconds(start, now) < budget) {
    for (int i = 0; i < 16; ++i) fn();
    n += 16;
    now = Clock::now();
  }
  return static_cast<double>(n) / Seconds(start, now);
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

// Raw SQLite: one row of `row_bytes` per transaction, same pragmas as the store.
double RawSqliteInsertRate(const std::string& path, size_t rows, size_t row_bytes, bool full) {
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  sqlite3_exec(db, full ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;"
                        : "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA secure_delete=ON;",
               nullptr, nullptr, nullptr);
  sqlite3_exec(db, "CREATE TABLE t (id TEXT PRIMARY KEY, v BLOB NOT NULL) STRICT;", nullptr,
               nullptr, nullptr);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?, ?)", -1, &st, nullptr);
  std::vector<uint8_t> blob(row_bytes);
  randombytes_buf(blob.data(), blob.size());
  const auto start = Clock::now();
  for (size_t i = 0; i < rows; ++i) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    const std::string id = "row" + std::to_string(i);
    blob[i % blob.size()] ^= 1;
    sqlite3_bind_text(st, 1, id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_TRANSIENT);
    sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  const double rate = static_cast<double>(rows) / Seconds(start, Clock::now());
  sqlite3_finalize(st);
  sqlite3_close(db);
  std::filesystem::remove(path);
  std::filesystem::remove(path + "-wal");
  std::filesystem::remove(path + "-shm");
  return rate;
}

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
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--persons" && i + 1 < argc) persons = std::stoul(argv[++i]);
    else if (a == "--large" && i + 1 < argc) large = std::stoul(argv[++i]);
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--quick") { persons = 2000; large = 20000; budget = 0.3; }
    else if (a == "--sync" && i + 1 < argc) full_sync = std::string(argv[++i]) != "normal";
    else {
      std::fprintf(stderr, "usage: cityid_bench [--persons N] [--large M] [--dir DIR] [--sync full|normal] [--quick]\n");
      return 2;
    }
  }
  if (!crypto::InitCrypto().ok()) return 1;
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::printf("cityid benchmarks (%zu persons, dedup also at %zu; WAL, synchronous=%s; one run, "
              "one machine)\n\n", persons, large, full_sync ? "FULL" : "NORMAL");
  std::fflush(stdout);

  // ---- raw limits ----
  SeededRng rng(2026);
  auto signer = crypto::Ed25519Signer::Generate(rng);
  std::vector<uint8_t> msg(320);
  randombytes_buf(msg.data(), msg.size());
  Bytes sig = *signer->Sign(msg);
  const double raw_sign = Rate(budget, [&] { (void)signer->Sign(msg); });
  const double raw_verify =
      Rate(budget, [&] { (void)crypto::VerifyEd25519(signer->public_key(), msg, sig); });
  std::printf("Raw library limits\n");
  Row("libsodium Ed25519 sign (320-byte message)", raw_sign, "ops/s");
  Row("libsodium Ed25519 verify", raw_verify, "ops/s");

  // ---- store and workflow setup ----
  auto keys = std::move(crypto::Keyring::Create(dir + "/keys", rng)).value();
  const std::string db_path = dir + "/cityid.db";
  store::SqliteOptions opts;
  opts.synchronous_full = full_sync;
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

  // ---- bulk enrollment ----
  std::vector<std::string> apps;
  apps.reserve(persons);
  size_t flagged = 0;
  const auto e0 = Clock::now();
  for (size_t i = 0; i < persons; ++i) {
    auto r = core::Enroll(ctx, MakeApplicant(i, today), clerk);
    if (!r.ok()) {
      std::fprintf(stderr, "enroll %zu failed: %s\n", i, r.status().ToString().c_str());
      return 1;
    }
    flagged += r->state == core::ApplicationState::kFlagged;
    apps.push_back(r->application_id);
  }
  const double enroll_rate = static_cast<double>(persons) / Seconds(e0, Clock::now());
  const int64_t bytes_per_enrollment = DbBytes(db_path) / static_cast<int64_t>(persons);
  const size_t raw_rows = std::min<size_t>(persons, full_sync ? 10000 : 50000);
  const double raw_insert = RawSqliteInsertRate(dir + "/raw.db", raw_rows,
                                                static_cast<size_t>(bytes_per_enrollment), full_sync);
  Row("SQLite insert, 1 row/transaction (same size as 1 enrollment)", raw_insert, "rows/s");
  char size_note[64];
  std::snprintf(size_note, sizeof size_note, "(%lld bytes/row)", static_cast<long long>(bytes_per_enrollment));
  std::printf("  %-58s %21s %s\n", "", "", size_note);

  std::printf("\ncityid\n");
  Row("bulk enrollment (vet + ICU + encrypt + dedup + audit, 1 txn each)", enroll_rate, "/s",
      Ratio(enroll_rate, raw_insert, 0.3).c_str());
  std::printf("  %-58s %12zu %s\n", "  possible duplicates flagged among synthetic applicants", flagged, "");

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
  char buf[128];
  std::snprintf(buf, sizeof buf, "dedup lookup p50 at %zu persons", persons);
  Row(buf, p.p50_us, "us");
  std::snprintf(buf, sizeof buf, "dedup lookup p99 at %zu persons", persons);
  Row(buf, p.p99_us, "us", p.p99_us < 2000 ? "(target < 2 ms: met)" : "(target < 2 ms: NOT met)");

  // ---- issuance ----
  const size_t issue_n = std::min<size_t>(apps.size(), 3000);
  for (size_t i = 0; i < issue_n; ++i) (void)core::Approve(ctx, apps[i], sup, "bench");
  std::vector<std::string> qrs;
  const auto i0 = Clock::now();
  for (size_t i = 0; i < issue_n; ++i) {
    auto c = core::Issue(ctx, apps[i], clerk);
    if (!c.ok()) {
      std::fprintf(stderr, "issue failed: %s\n", c.status().ToString().c_str());
      return 1;
    }
    qrs.push_back(c->qr_text);
  }
  const double issue_rate = static_cast<double>(issue_n) / Seconds(i0, Clock::now());
  credential::CardClaims claims;
  claims.card_number = "123456789012";
  claims.full_name = "Jose Garcia";
  claims.given_name = "Jose";
  claims.family_name = "Garcia";
  claims.date_of_birth = {1990, 4, 12};
  claims.status_list_id = "1";
  claims.status_index = 4711;
  credential::CwtMeta meta{policy.issuer(), clock.Now(), clock.Now() + 5 * 365 * 86400};
  Bytes seed(32, 7);
  const double encode_rate = Rate(budget, [&] {
    (void)credential::EncodeCard(claims, meta, keys->issuer_signer(), seed);
  });
  const std::string typical = credential::EncodeCard(claims, meta, keys->issuer_signer(), seed)->qr_text;
  Row("issuance: sign card payload (Claim 169 + CWT + COSE + zlib + Base45)", encode_rate,
      "/s", Ratio(encode_rate, raw_sign, 0.5).c_str());
  Row("issuance: full workflow (decrypt, sign, re-encrypt, store, audit)", issue_rate, "/s",
      Ratio(issue_rate, raw_sign, 0.5).c_str());

  // ---- offline verification ----
  auto pub = keys->PublicKeys(policy.issuer());
  auto list_json = core::ExportStatusList(ctx, "1", 3600);
  auto list = credential::StatusList::FromSignedJson(*list_json, pub, clock.Now());
  size_t q = 0;
  const double verify_rate = Rate(budget, [&] {
    auto o = credential::VerifyCard(qrs[q++ % qrs.size()], pub, clock.Now(), &*list);
    if (o.verdict != credential::Verdict::kValid) std::abort();
  });
  Row("offline card verification (Base45, inflate, CBOR, COSE, status)", verify_rate, "/s",
      Ratio(verify_rate, raw_verify, 0.8).c_str());
  std::snprintf(buf, sizeof buf, "(target <= 600: %s)", typical.size() <= 600 ? "met" : "NOT met");
  Row("QR payload of a typical card (Base45 characters)", static_cast<double>(typical.size()),
      "chars", buf);

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
