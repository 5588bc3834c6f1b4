#pragma once
// Shared helpers for the end-to-end tests: run the real `cityid` binary and capture its output.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace cityid::e2e {

namespace fs = std::filesystem;

// 2026-11-25 12:00 UTC: the example files' document dates are valid on this day.
inline const std::string kNow = "1795608000";

inline std::string Source() {
  const char* s = std::getenv("CITYID_SOURCE_DIR");
  return s ? s : CITYID_TEST_SOURCE_DIR;
}
inline std::string Binary() {
  const char* s = std::getenv("CITYID_BINARY");
  return s ? s : CITYID_TEST_BINARY;
}

struct Run {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json Json() const {
    nlohmann::json j = nlohmann::json::parse(out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << "not JSON: " << out << err;
    return j;
  }
};

inline std::string Slurp(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs the binary with `--now kNow --actor e2e` then `args`, stdin from `input`, capturing
// stdout and stderr in files under `tmp`. Later --now/--actor in `args` win.
inline Run Cityid(std::vector<std::string> args, const fs::path& tmp, const std::string& input = "") {
  static int counter = 0;
  const fs::path out = tmp / ("out" + std::to_string(counter) + ".txt");
  const fs::path err = tmp / ("err" + std::to_string(counter) + ".txt");
  const fs::path in = tmp / ("in" + std::to_string(counter++) + ".txt");
  { std::ofstream(in) << input; }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  std::vector<std::string> full = {Binary(), "--now", kNow, "--actor", "e2e"};
  full.insert(full.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid;
  Run r;
  if (posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ) != 0) {
    ADD_FAILURE() << "cannot start " << argv[0];
    posix_spawn_file_actions_destroy(&fa);
    return r;
  }
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  waitpid(pid, &status, 0);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = Slurp(out);
  r.err = Slurp(err);
  return r;
}

}  // namespace cityid::e2e
