// The staff console's figures (issue 17), against a real `cityid serve` over HTTP:
//
//   build-rel/bench/cityid_console_bench --cityid build-rel/bin/cityid
//       [--persons 100000] [--dir DIR] [--submissions 240] [--previews 1200] [--quick]
//
// 1. A data folder (`cityid init`, New York policy) holding --persons enrolled persons, seeded
//    through the CLI's bulk import (`cityid enroll --batch`, the applicants of bench/fixtures.cc:
//    real blind indexes, sealed records, audit entries). With --dir the folder is kept and a
//    later run with the same --dir and no more --persons reuses it (seeding 100k takes minutes);
//    each run there enrolls other new applicants than the runs before (it counts its runs).
// 2. `cityid serve` on 127.0.0.1 (a free port) as its own process; a clerk (added with
//    `cityid staff add`) signs in with POST /api/v1/sessions, as the console's sign-in does.
// 3. The enrollment form's submit: POST /api/v1/applications with the form's body (names,
//    date of birth, address, gender, language, two documents with a number, a ~30 KB JPEG photo
//    in base64), timed from the request's first byte to the whole 201 answer carrying the
//    evaluation and the duplicate result. In each four: two new applicants in Latin letters,
//    one in Cyrillic, and a person already enrolled written in Cyrillic (same date of birth),
//    which the server must flag (the run exits 1 otherwise). Target p95 < 300 ms.
// 4. The transliteration preview: POST /api/v1/names/latin {"name"} once per keystroke, the
//    prefixes of 16 names in 10 scripts typed one character at a time. Target p95 < 50 ms.
// 5. Baselines, interleaved request by request with the figures so that load from other
//    processes on a shared machine falls on all alike: GET /healthz (answered on the server's
//    event loop: the HTTP floor) and GET /api/v1/sessions/current (a session route: cookie,
//    session lookup in the store, a worker thread). Also the live evaluation the form asks for
//    as each document is added (POST /api/v1/policy/evaluate).
//
// One client connection, kept alive, one request at a time: one clerk at one counter. The
// server's request log goes to a file in the folder.
#include <fcntl.h>
#include <gdk-pixbuf/gdk-pixbuf.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <httplib.h>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/bytes.h"
#include "base/date.h"
#include "fixtures.h"

extern char** environ;

namespace cityid::bench {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kClerk = "bench-clerk";
constexpr const char* kPassword = "bench console password";

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// ---- child processes ----

// Runs argv with stdin from `in_file` (or /dev/null), stdout and stderr to files; returns the
// pid (-1 when it could not start).
pid_t Spawn(const std::vector<std::string>& argv, const std::string& in_file,
            const std::string& out_file, const std::string& err_file) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in_file.empty() ? "/dev/null" : in_file.c_str(),
                                   O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  if (posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) pid = -1;
  posix_spawn_file_actions_destroy(&fa);
  return pid;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// Runs a command to its end; returns its exit code (-1 if it did not start or was killed).
// Its stdout is left in `out`, and its stderr is printed when it fails.
int Run(const std::vector<std::string>& argv, const std::string& dir, std::string* out = nullptr,
        const std::string& stdin_text = "") {
  std::string in_file;
  if (!stdin_text.empty()) {
    in_file = dir + "/stdin.txt";
    std::ofstream(in_file, std::ios::binary) << stdin_text;
  }
  const pid_t pid = Spawn(argv, in_file, dir + "/run.out", dir + "/run.err");
  if (pid < 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!in_file.empty()) fs::remove(in_file);
  if (out) *out = ReadFile(dir + "/run.out");
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return code;
}

// ---- what the form sends ----

// A ~30 KB JPEG, as a counter webcam's crop gives after the page scales it: a 480 x 640
// portrait (background, face, shoulders) with sensor-like noise, at the JPEG quality that
// comes closest to 30 KB.
std::string MakePortraitJpeg() {
  constexpr int kW = 480, kH = 640;
  GdkPixbuf* p = gdk_pixbuf_new(GDK_COLORSPACE_RGB, FALSE, 8, kW, kH);
  guchar* px = gdk_pixbuf_get_pixels(p);
  const int stride = gdk_pixbuf_get_rowstride(p);
  uint32_t s = 2026;
  for (int y = 0; y < kH; ++y) {
    for (int x = 0; x < kW; ++x) {
      s = s * 1103515245u + 12345u;
      const int noise = static_cast<int>((s >> 16) % 21) - 10;
      const double fx = (x - kW / 2.0) / 120.0, fy = (y - 260) / 160.0;
      const bool face = fx * fx + fy * fy < 1;
      const bool body = y > 450 && std::abs(x - kW / 2) < (y - 380);
      int r = 200 - y / 8, g = 205 - y / 8, b = 215 - y / 10;  // wall
      if (body) r = 60, g = 70, b = 110;                         // shirt
      if (face) r = 205 - y / 12, g = 160 - y / 12, b = 130 - y / 12;
      guchar* q = px + y * stride + x * 3;
      q[0] = static_cast<guchar>(std::clamp(r + noise, 0, 255));
      q[1] = static_cast<guchar>(std::clamp(g + noise, 0, 255));
      q[2] = static_cast<guchar>(std::clamp(b + noise, 0, 255));
    }
  }
  std::string best;
  for (int quality = 95; quality >= 30; quality -= 5) {
    gchar* buf = nullptr;
    gsize len = 0;
    const std::string qs = std::to_string(quality);
    if (!gdk_pixbuf_save_to_buffer(p, &buf, &len, "jpeg", nullptr, "quality", qs.c_str(),
                                   nullptr)) {
      break;
    }
    std::string jpeg(buf, len);
    g_free(buf);
    const auto off = [](size_t n) { return n > 30000 ? n - 30000 : 30000 - n; };
    if (best.empty() || off(jpeg.size()) < off(best.size())) best = std::move(jpeg);
  }
  g_object_unref(p);
  return best;
}

json ApplicantJson(const core::ApplicantInput& in, const std::string& photo_b64) {
  json j;
  j["legal_name"] = {{"given", in.legal_name.given}, {"family", in.legal_name.family}};
  j["date_of_birth"] = in.date_of_birth.ToString();
  if (in.address) {
    j["address"] = {{"line1", in.address->line1},
                    {"city", in.address->city},
                    {"state", in.address->state},
                    {"postal_code", in.address->postal_code}};
  }
  j["gender"] = in.gender;
  j["language"] = in.language;
  if (!photo_b64.empty()) j["photo"] = photo_b64;
  json docs = json::array();
  for (const auto& d : in.documents) {
    json doc = {{"type", d.type}};
    if (!d.number.empty()) doc["number"] = d.number;
    if (d.issued) doc["issued"] = d.issued->ToString();
    if (d.expires) doc["expires"] = d.expires->ToString();
    docs.push_back(doc);
  }
  j["documents"] = docs;
  return j;
}

// The policy evaluation the form asks for as documents are added: the documents without
// their numbers (`has_number` instead).
json EvaluateBody(const core::ApplicantInput& in) {
  json docs = json::array();
  for (const auto& d : in.documents) {
    json doc = {{"type", d.type}, {"has_number", !d.number.empty()}};
    if (d.issued) doc["issued"] = d.issued->ToString();
    if (d.expires) doc["expires"] = d.expires->ToString();
    docs.push_back(doc);
  }
  return {{"documents", docs}};
}

// Russian spelling of the fixture names (bench/fixtures.cc) that have one; BGN/PCGN, which
// cityid reads Cyrillic with (docs/dedup.md §1), spells them back close to the Latin.
const std::map<std::string, std::string>& CyrillicNames() {
  static const std::map<std::string, std::string> m = {
      {"José", "Хосе"},        {"María", "Мария"},       {"Ana", "Ана"},
      {"Carlos", "Карлос"},    {"Lucía", "Лусия"},       {"Olena", "Олена"},
      {"Dmytro", "Дмитро"},    {"Arjun", "Арджун"},      {"García", "Гарсия"},
      {"López", "Лопес"},      {"Martínez", "Мартинес"}, {"Kovalenko", "Коваленко"},
      {"Shevchenko", "Шевченко"}, {"Pérez", "Перес"},   {"Rodríguez", "Родригес"},
      {"Patel", "Пател"},      {"Sharma", "Шарма"},      {"Mensah", "Менса"}};
  return m;
}

// The fixture's serial name ("Babe", consonant-vowel syllables) in Cyrillic; "" when it holds
// an h (х reads back as "kh").
std::string SerialToCyrillic(const std::string& serial) {
  static const std::map<char, std::string> m = {
      {'b', "б"}, {'d', "д"}, {'f', "ф"}, {'g', "г"}, {'k', "к"}, {'l', "л"}, {'m', "м"},
      {'n', "н"}, {'p', "п"}, {'r', "р"}, {'s', "с"}, {'t', "т"}, {'v', "в"}, {'z', "з"},
      {'a', "а"}, {'e', "е"}, {'i', "и"}, {'o', "о"}, {'u', "у"}};
  static const std::map<char, std::string> upper = {
      {'b', "Б"}, {'d', "Д"}, {'f', "Ф"}, {'g', "Г"}, {'k', "К"}, {'l', "Л"}, {'m', "М"},
      {'n', "Н"}, {'p', "П"}, {'r', "Р"}, {'s', "С"}, {'t', "Т"}, {'v', "В"}, {'z', "З"}};
  std::string out;
  for (size_t i = 0; i < serial.size(); ++i) {
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(serial[i])));
    const auto& table = i == 0 ? upper : m;
    auto it = table.find(c);
    if (it == table.end()) return "";
    out += it->second;
  }
  return out;
}

// Applicant i of the seeded population written in Cyrillic (same date of birth, another
// document), or nothing when the fixture's name has no Cyrillic spelling here.
std::optional<core::ApplicantInput> CyrillicTwin(uint64_t i, const Date& today) {
  core::ApplicantInput in = MakeApplicant(i, today);
  const auto& names = CyrillicNames();
  const size_t space = in.legal_name.family.rfind(' ');
  if (space == std::string::npos) return std::nullopt;
  auto given = names.find(in.legal_name.given);
  auto family = names.find(in.legal_name.family.substr(0, space));
  const std::string serial = SerialToCyrillic(in.legal_name.family.substr(space + 1));
  if (given == names.end() || family == names.end() || serial.empty()) return std::nullopt;
  in.legal_name.given = given->second;
  in.legal_name.family = family->second + " " + serial;
  in.language = "ru";
  in.documents[0].number = "R" + std::to_string(70000000 + i);
  return in;
}

// Names as a clerk types them, in 10 scripts (Cyrillic, Arabic, Han, Greek, Devanagari, Hangul,
// Hebrew, Latin, Georgian, Armenian): each prefix (by code point) is a keystroke.
const std::vector<std::string>& TypedNames() {
  static const std::vector<std::string> v = {
      "Хосе Гарсия Родригес", "Юлия Щербакова",  "Олександр Коваленко", "محمد عبد الرحمن",
      "فاطمة الزهراء حسن",  "王小明",            "欧阳娜娜",            "Γιώργος Παπαδόπουλος",
      "राहुल शर्मा",          "김민준",            "דוד כהן",             "Nguyễn Thị Thảo",
      "María José Hernández", "Jean-Pierre Dubois", "ერეკლე ბაგრატიონი",   "Արամ Խաչատրյան"};
  return v;
}

std::vector<std::string> Keystrokes(const std::string& name) {
  std::vector<std::string> out;
  for (size_t i = 1; i <= name.size(); ++i) {
    if (i == name.size() || (static_cast<unsigned char>(name[i]) & 0xC0) != 0x80) {
      out.push_back(name.substr(0, i));
    }
  }
  return out;
}

// ---- measuring ----

struct Series {
  std::vector<double> ms;
  std::map<int, size_t> statuses;
  void Add(double v, int status) {
    ms.push_back(v);
    ++statuses[status];
  }
  double At(double q) const {
    if (ms.empty()) return 0;
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[std::min(s.size() - 1, static_cast<size_t>(q * static_cast<double>(s.size())))];
  }
  std::string Statuses() const {
    std::string out;
    for (const auto& [code, n] : statuses) {
      out += (out.empty() ? "" : ", ") + std::to_string(n) + "x " + std::to_string(code);
    }
    return out;
  }
};

void PrintRow(const char* what, const Series& s, const char* target = nullptr,
              double target_p95 = 0) {
  std::printf("  %-52s n=%-5zu p50 %7.2f  p95 %7.2f  p99 %7.2f  max %7.2f ms", what, s.ms.size(),
              s.At(0.50), s.At(0.95), s.At(0.99), s.ms.empty() ? 0.0 : *std::max_element(s.ms.begin(), s.ms.end()));
  if (target) {
    std::printf("  (target %s: %s)", target, s.At(0.95) < target_p95 ? "met" : "NOT met");
  }
  std::printf("\n  %-52s statuses: %s\n", "", s.Statuses().c_str());
}

double LoadAverage() {
  double l = 0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf", &l) != 1) l = 0;
    std::fclose(f);
  }
  return l;
}

int Main(int argc, char** argv) {
  std::string cityid;
  std::string dir;
  size_t persons = 100000;
  size_t submissions = 240;
  size_t previews = 1200;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--cityid" && i + 1 < argc) cityid = argv[++i];
    else if (a == "--dir" && i + 1 < argc) dir = argv[++i];
    else if (a == "--persons" && i + 1 < argc) persons = std::stoul(argv[++i]);
    else if (a == "--submissions" && i + 1 < argc) submissions = std::stoul(argv[++i]);
    else if (a == "--previews" && i + 1 < argc) previews = std::stoul(argv[++i]);
    else if (a == "--quick") { persons = 2000; submissions = 40; previews = 200; }
    else {
      std::fprintf(stderr,
                   "usage: cityid_console_bench --cityid PATH [--persons N] [--dir DIR] "
                   "[--submissions N] [--previews N] [--quick]\n");
      return 2;
    }
  }
  if (cityid.empty() || !fs::exists(cityid)) {
    std::fprintf(stderr, "cityid_console_bench: give --cityid PATH (the release build's bin/cityid)\n");
    return 2;
  }
  cityid = fs::absolute(cityid).string();
  const bool keep = !dir.empty();
  if (dir.empty()) dir = (fs::temp_directory_path() / ("cityid-console-" + std::to_string(::getpid()))).string();
  dir = fs::absolute(dir).string();
  fs::create_directories(dir);
  const std::string data = dir + "/data";
  const char* src = std::getenv("CITYID_SOURCE_DIR");
  const std::string policy = std::string(src ? src : ".") + "/policies/new-york-points.toml";
  if (!fs::exists(policy)) {
    std::fprintf(stderr, "cannot find %s (run from the repository root or set CITYID_SOURCE_DIR)\n",
                 policy.c_str());
    return 2;
  }
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const Date today = Date::FromUnix(static_cast<UnixSeconds>(std::time(nullptr)));
  std::printf("cityid staff console benchmark: %zu persons, %zu submissions, %zu preview keystrokes\n",
              persons, submissions, previews);
  std::printf("  %s, %u cores, load average %.2f at the start; data in %s\n", cityid.c_str(),
              std::thread::hardware_concurrency(), LoadAverage(), dir.c_str());

  // ---- the data folder with `persons` enrolled ----
  const std::string seeded_marker = dir + "/seeded";
  size_t seeded = 0;
  if (fs::exists(seeded_marker)) seeded = std::stoul("0" + ReadFile(seeded_marker));
  if (seeded < persons) {
    fs::remove_all(data);
    fs::remove(seeded_marker);
    if (Run({cityid, "init", "--data", data, "--policy", policy}, dir) != 0) {
      std::fprintf(stderr, "cityid init failed: %s\n", ReadFile(dir + "/run.err").c_str());
      return 1;
    }
    const std::string batch = dir + "/batch.jsonl";
    {
      std::ofstream f(batch, std::ios::binary);
      for (size_t i = 0; i < persons; ++i) f << ApplicantJson(MakeApplicant(i, today), "").dump() << '\n';
    }
    std::printf("  seeding %zu persons with `cityid enroll --batch` ...\n", persons);
    const auto t0 = Clock::now();
    if (Run({cityid, "enroll", "--data", data, "--batch", batch}, dir) != 0) {
      std::fprintf(stderr, "cityid enroll --batch failed: %s\n", ReadFile(dir + "/run.err").c_str());
      return 1;
    }
    const double s = Ms(Clock::now() - t0) / 1000;
    std::printf("  seeded %zu persons in %.0f s (%.0f per s)\n", persons, s, static_cast<double>(persons) / s);
    fs::remove(batch);
    std::ofstream(seeded_marker) << persons;
    seeded = persons;
    // The clerk, whose sessions the form uses (no TOTP for clerks: docs/api.md).
    if (Run({cityid, "staff", "add", "--data", data, "--user", kClerk, "--role", "clerk",
             "--password-stdin"},
            dir, nullptr, std::string(kPassword) + "\n") != 0) {
      std::fprintf(stderr, "cityid staff add failed: %s\n", ReadFile(dir + "/run.err").c_str());
      return 1;
    }
  } else {
    std::printf("  reusing %zu persons seeded in %s\n", seeded, data.c_str());
  }
  // Each run on a kept folder enrolls other people than the runs before it (those are in the
  // store now: the same applicants again would be duplicates) and writes other seeded persons'
  // twins (a person with a twin already would match twice).
  size_t run = 0;
  if (fs::exists(dir + "/runs")) run = std::stoul("0" + ReadFile(dir + "/runs"));
  std::ofstream(dir + "/runs") << run + 1;
  const uint64_t fresh = 10 * seeded + 1000003 + run * 1000000;
  if (run > 0) {
    std::printf("  run %zu on this folder: the store also holds the %zu applicants of the runs before\n",
                run + 1, run * submissions);
  }

  // ---- the server ----
  const pid_t server = Spawn({cityid, "serve", "--data", data, "--listen", "127.0.0.1:0",
                              "--web-dir", "off"},
                             "", dir + "/serve.out", dir + "/serve.log");
  if (server < 0) {
    std::fprintf(stderr, "cannot start %s serve\n", cityid.c_str());
    return 1;
  }
  struct Stop {
    pid_t pid;
    ~Stop() {
      if (pid <= 0) return;
      kill(pid, SIGTERM);
      int st = 0;
      waitpid(pid, &st, 0);
    }
  } stop{server};
  int port = 0;
  for (int i = 0; i < 600 && port == 0; ++i) {
    const std::string out = ReadFile(dir + "/serve.out");
    const size_t at = out.find("http://127.0.0.1:");
    if (at != std::string::npos) port = std::atoi(out.c_str() + at + 17);
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (port == 0) {
    std::fprintf(stderr, "cityid serve did not start: %s\n", ReadFile(dir + "/serve.log").c_str());
    return 1;
  }

  httplib::Client http("127.0.0.1", port);
  http.set_keep_alive(true);
  // As browsers do. Without it cpp-httplib's POST (headers, then body, in two writes) waits for
  // the server's delayed ACK: 40 ms more per POST on Linux, which is not cityid's time.
  http.set_tcp_nodelay(true);
  http.set_read_timeout(30, 0);
  const std::string login = json{{"user", kClerk}, {"password", kPassword}}.dump();
  auto session = http.Post("/api/v1/sessions", login, "application/json");
  if (!session || session->status != 201) {
    std::fprintf(stderr, "sign-in failed: %d %s\n", session ? session->status : -1,
                 session ? session->body.c_str() : "");
    return 1;
  }
  std::string cookie = session->get_header_value("Set-Cookie");
  cookie = cookie.substr(0, cookie.find(';'));
  const std::string csrf = json::parse(session->body).at("csrf_token").get<std::string>();
  const httplib::Headers auth = {{"Cookie", cookie}};
  const httplib::Headers post_auth = {{"Cookie", cookie}, {"X-CSRF-Token", csrf}};

  // Each call: one round trip, timed from before the request is written to after the whole
  // answer is read.
  auto timed = [](auto&& call, Series& into) -> httplib::Result {
    const auto t0 = Clock::now();
    httplib::Result r = call();
    into.Add(Ms(Clock::now() - t0), r ? r->status : -1);
    return r;
  };
  Series healthz, current, evaluate, submit_new, submit_cyr, submit_dup, preview, healthz_p, current_p;
  auto baselines = [&](Series& h, Series& c) {
    timed([&] { return http.Get("/healthz"); }, h);
    timed([&] { return http.Get("/api/v1/sessions/current", auth); }, c);
  };

  // Warm-up (connections, page cache, the server's first ICU use): not counted.
  {
    Series w;
    for (int i = 0; i < 20; ++i) baselines(w, w);
    timed([&] { return http.Post("/api/v1/policy/evaluate", EvaluateBody(MakeApplicant(0, today)).dump(), "application/json"); }, w);
  }

  // ---- the enrollment form's submit ----
  const std::string jpeg = MakePortraitJpeg();
  const std::string photo = Base64Encode(ByteView(reinterpret_cast<const uint8_t*>(jpeg.data()), jpeg.size()));
  // Twins of seeded persons, spread over the population.
  std::vector<std::pair<uint64_t, core::ApplicantInput>> twins;
  // About one fixture applicant in nine has a Cyrillic spelling here: candidates a stride apart
  // cover the whole population, and each run starts at another offset.
  const uint64_t stride = std::max<uint64_t>(1, seeded / ((submissions / 4 + 1) * 10));
  for (uint64_t i = 7 + run % stride; i < seeded && twins.size() < submissions / 4 + 1; i += stride) {
    if (auto t = CyrillicTwin(i, today)) twins.emplace_back(i, std::move(*t));
  }
  // New applicants written in Cyrillic too (people not in the store): what the script costs
  // apart from the duplicate.
  std::vector<core::ApplicantInput> cyrillic_new;
  for (uint64_t i = fresh + 500000; cyrillic_new.size() < submissions / 4 + 1; ++i) {
    if (auto t = CyrillicTwin(i, today)) cyrillic_new.push_back(std::move(*t));
  }
  size_t body_bytes = 0, dup_flagged = 0, new_flagged = 0, dups = 0, cyr = 0, bad = 0;
  std::string first_error;
  for (size_t k = 0; k < submissions; ++k) {
    // In each four: a new applicant in Latin letters, one in Cyrillic, another in Latin, and a
    // seeded person written in Cyrillic.
    const bool dup = k % 4 == 3 && dups < twins.size();
    const bool cyrillic = k % 4 == 1 && cyr < cyrillic_new.size();
    const core::ApplicantInput in = dup        ? twins[dups++].second
                                    : cyrillic ? cyrillic_new[cyr++]
                                               : MakeApplicant(fresh + k, today);
    const std::string body = ApplicantJson(in, photo).dump();
    const std::string evaluate_body = EvaluateBody(in).dump();
    body_bytes = std::max(body_bytes, body.size());
    timed([&] { return http.Post("/api/v1/policy/evaluate", evaluate_body, "application/json"); }, evaluate);
    auto r = timed([&] { return http.Post("/api/v1/applications", post_auth, body, "application/json"); },
                   dup ? submit_dup : cyrillic ? submit_cyr : submit_new);
    baselines(healthz, current);
    if (!r || r->status != 201) {
      ++bad;
      if (first_error.empty()) first_error = r ? std::to_string(r->status) + " " + r->body : "no answer";
      continue;
    }
    const json answer = json::parse(r->body);
    if (!answer.contains("evaluation") || !answer.at("evaluation").value("satisfied", false)) {
      ++bad;
      if (first_error.empty()) first_error = "no satisfied evaluation: " + r->body;
    }
    const bool flagged = answer.value("flagged_for_review", false);
    (dup ? dup_flagged : new_flagged) += flagged;
  }
  Series submit_all = submit_new;
  for (const Series* s : {&submit_cyr, &submit_dup}) {
    for (double v : s->ms) submit_all.ms.push_back(v);
    for (const auto& [c, n] : s->statuses) submit_all.statuses[c] += n;
  }

  // ---- the transliteration preview, keystroke by keystroke ----
  bool preview_available = true;
  std::string slowest_stroke;
  std::string preview_error;
  {
    auto probe = http.Post("/api/v1/names/latin", post_auth, json{{"name", "Хосе"}}.dump(), "application/json");
    if (!probe || probe->status != 200) {
      preview_available = false;
      preview_error = probe ? std::to_string(probe->status) + " " + probe->body : "no answer";
    }
  }
  if (preview_available) {
    std::vector<std::string> strokes;
    while (strokes.size() < previews) {
      for (const auto& name : TypedNames()) {
        for (auto& s : Keystrokes(name)) strokes.push_back(std::move(s));
      }
    }
    strokes.resize(previews);
    double slowest = -1;
    for (size_t k = 0; k < strokes.size(); ++k) {
      const std::string stroke_body = json{{"name", strokes[k]}}.dump();
      timed([&] { return http.Post("/api/v1/names/latin", post_auth, stroke_body, "application/json"); },
            preview);
      if (preview.ms.back() > slowest) {
        slowest = preview.ms.back();
        slowest_stroke = std::to_string(k + 1) + ": \"" + strokes[k] + "\"";
      }
      // A baseline pair every fourth keystroke (a quarter as many as previews).
      if (k % 4 == 0) baselines(healthz_p, current_p);
    }
  }

  // ---- the figures ----
  std::printf("\nThe enrollment form's submit, POST /api/v1/applications at %zu persons "
              "(body up to %.1f KB, JPEG %.1f KB), interleaved with its baselines\n",
              seeded, static_cast<double>(body_bytes) / 1024, static_cast<double>(jpeg.size()) / 1024);
  PrintRow("submit -> evaluation + duplicate result, all", submit_all, "p95 < 300 ms", 300);
  PrintRow("  new applicants, Latin letters", submit_new);
  PrintRow("  new applicants, Cyrillic", submit_cyr);
  PrintRow("  a seeded person written in Cyrillic (twin)", submit_dup);
  std::printf("  %-52s %zu of %zu twins flagged; %zu of %zu new applicants flagged; %zu failed%s%s\n",
              "duplicate result", dup_flagged, submit_dup.ms.size(), new_flagged,
              submit_new.ms.size() + submit_cyr.ms.size(),
              bad, first_error.empty() ? "" : ": first ", first_error.substr(0, 300).c_str());
  PrintRow("live evaluation, POST /api/v1/policy/evaluate", evaluate);
  PrintRow("baseline GET /healthz (event loop)", healthz);
  PrintRow("baseline GET /api/v1/sessions/current (worker)", current);
  std::printf("  %-52s %.1fx healthz, %.1fx sessions/current (p50)\n", "submit p50 as a ratio",
              submit_all.At(0.5) / std::max(healthz.At(0.5), 1e-6),
              submit_all.At(0.5) / std::max(current.At(0.5), 1e-6));

  std::printf("\nThe transliteration preview, POST /api/v1/names/latin {\"name\"}, one per keystroke, "
              "%zu names in 10 scripts\n", TypedNames().size());
  if (preview_available) {
    PrintRow("preview latency", preview, "p95 < 50 ms", 50);
    std::printf("  %-52s keystroke %s\n", "the slowest", slowest_stroke.c_str());
    PrintRow("baseline GET /healthz (event loop)", healthz_p);
    PrintRow("baseline GET /api/v1/sessions/current (worker)", current_p);
    std::printf("  %-52s %.1fx healthz, %.1fx sessions/current (p50)\n", "preview p50 as a ratio",
                preview.At(0.5) / std::max(healthz_p.At(0.5), 1e-6),
                preview.At(0.5) / std::max(current_p.At(0.5), 1e-6));
  } else {
    std::printf("  not measured: this server does not answer it (%s)\n", preview_error.substr(0, 200).c_str());
  }
  std::printf("\n  load average %.2f at the end\n", LoadAverage());
  const bool ok = bad == 0 && dup_flagged == submit_dup.ms.size();
  if (!keep) {
    kill(server, SIGTERM);
    int st = 0;
    waitpid(server, &st, 0);
    stop.pid = -1;
    fs::remove_all(dir);
  }
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace cityid::bench

int main(int argc, char** argv) { return cityid::bench::Main(argc, argv); }
