// cityid keys split — seal the data keys and split the sealing key k-of-n among officers
// (core::SplitDataKeys, crypto/shares.h, docs/operations.md "Splitting the data keys").
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/file.h"
#include "cli/common.h"
#include "core/destruction.h"
#include "store/sqlite/sqlite_store.h"

namespace cityid::cli {
namespace {

struct SplitOptions {
  std::string data = "data";
  int threshold = 0;
  int shares = 0;
  std::string out;
};

// Creates `dir` (0700) for the share files; it must not exist, or be empty, so that shares of
// two splits are never side by side.
Status PrepareShareFolder(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return Status::Ok();
  if (errno != EEXIST) return Error(ErrorId::kIo, "cannot create " + dir);
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Error(ErrorId::kIo, dir + " exists and is not a folder");
  bool empty = true;
  while (const struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") empty = false;
  }
  ::closedir(d);
  if (!empty) {
    return Error(ErrorId::kAlreadyExists, dir + " is not empty: give a new folder for the shares");
  }
  ::chmod(dir.c_str(), 0700);
  return Status::Ok();
}

std::string ShareFileName(const crypto::Share& s) {
  return "share-" + std::to_string(s.x) + "-of-" + std::to_string(s.count) + ".txt";
}

// Writes one file per share (0600). On failure removes the ones written.
Status WriteShares(const std::string& dir, const std::vector<crypto::Share>& shares,
                   std::vector<std::string>* written) {
  for (const auto& s : shares) {
    const crypto::SecretBytes line = crypto::EncodeShare(s);
    crypto::SecretBytes text(line.size() + 1);
    std::copy(line.data(), line.data() + line.size(), text.data());
    text.data()[line.size()] = '\n';
    const std::string path = dir + "/" + ShareFileName(s);
    Status st = WriteFileAtomic(path, AsChars(text.view()), 0600);
    if (!st.ok()) {
      for (const auto& p : *written) ::unlink(p.c_str());
      written->clear();
      return st;
    }
    written->push_back(path);
  }
  return Status::Ok();
}

int Split(const GlobalOptions& g, const SplitOptions& o) {
  Output out(g);
  if (g.actor.empty()) {
    return out.Fail(Error(ErrorId::kMissingField,
                          "--actor ADMIN is required: the user name of an admin staff account"));
  }
  if (o.threshold < 2 || o.shares < o.threshold || o.shares > crypto::kMaxShares) {
    return out.Fail(Error(ErrorId::kInvalidArgument,
                          "need 2 <= --threshold <= --shares <= 255 (got " +
                              std::to_string(o.threshold) + " of " + std::to_string(o.shares) +
                              ")"));
  }
  if (o.out.empty()) return out.Fail(Error(ErrorId::kMissingField, "--out FOLDER is required"));
  auto dir = DataDir::Open(o.data, g);
  if (!dir.ok()) return out.Fail(dir.status());
  // DataDir's keyring is const; load a mutable one (with the same shares, if already split).
  auto keys = LoadKeyring(o.data, g);
  if (!keys.ok()) return out.Fail(keys.status());
  std::vector<std::string> files;
  auto deliver = [&](const std::vector<crypto::Share>& shares) -> Status {
    CITYID_RETURN_IF_ERROR(PrepareShareFolder(o.out));
    return WriteShares(o.out, shares, &files);
  };
  auto split = core::SplitDataKeys((*dir)->store(), **keys, (*dir)->clock(), (*dir)->rng(),
                                   g.actor, o.threshold, o.shares, deliver);
  if (!split.ok()) {
    // Sealing failed after the shares were written: they open nothing, so take them back.
    for (const auto& p : files) ::unlink(p.c_str());
    return out.Fail(split.status());
  }
  nlohmann::ordered_json j = {{"split_id", split->split_id},
                              {"threshold", split->threshold},
                              {"shares", split->count},
                              {"files", files}};
  std::string human = "Data keys sealed and split " + std::to_string(split->threshold) + "-of-" +
                      std::to_string(split->count) + " (split " + split->split_id +
                      "). kek.key and blind-index.key were shredded.\nShare files:\n";
  for (const auto& f : files) human += "  " + f + "\n";
  human += "Give each file to a different officer, then shred " + o.out +
           " on this machine. From now on, every command that reads personal data, and `cityid "
           "serve`, needs " + std::to_string(split->threshold) +
           " shares: --kek-share FILE (once per share) or CITYID_KEK_SHARES=FILE:FILE:...\n"
           "Emergency destruction (`cityid keys destroy`) still needs no share.";
  out.Result(j, human);
  return kExitOk;
}

}  // namespace

void RegisterKeysSplit(CLI::App& app, GlobalOptions& g, Runner& run) {
  CLI::App* keys = KeysCommand(app);
  auto o = std::make_shared<SplitOptions>();
  auto* cmd = keys->add_subcommand(
      "split",
      "Admin (--actor): seal the data keys and split them k-of-n among officers, so no one "
      "person can decrypt the data folder offline");
  cmd->add_option("--data", o->data, "Data folder")->capture_default_str();
  cmd->add_option("--threshold", o->threshold, "k: shares needed to open the data keys (>= 2)")
      ->required();
  cmd->add_option("--shares", o->shares, "n: officers, one share each (k..255)")->required();
  cmd->add_option("--out", o->out, "New (or empty) folder for the share files")->required();
  cmd->callback([&g, &run, o] { run = [&g, o] { return Split(g, *o); }; });
}

}  // namespace cityid::cli
