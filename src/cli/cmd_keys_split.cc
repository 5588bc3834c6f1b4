// cityid keys split — seal the data keys and split the sealing key k-of-n among officers
// (core::SplitDataKeys, crypto/shares.h, docs/operations.md "Splitting the data keys").
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

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

// The folder for the share files: new (created 0700) or empty, owned by this user, not a
// symlink, and not inside the data folder (shares beside the sealed file, or in its backups,
// would undo the split).
Status PrepareShareFolder(const std::string& dir, const std::string& data) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path out = fs::absolute(dir, ec);
  if (ec) return Error(ErrorId::kIo, "cannot resolve " + dir);
  // weakly_canonical resolves what exists (symlinked parents included) and appends the rest.
  const fs::path out_real = fs::weakly_canonical(out, ec);
  const fs::path data_real = fs::weakly_canonical(fs::absolute(data, ec), ec);
  if (ec) return Error(ErrorId::kIo, "cannot resolve " + dir + " or " + data);
  const auto [d, o] = std::mismatch(data_real.begin(), data_real.end(), out_real.begin(), out_real.end());
  if (d == data_real.end()) {
    return Error(ErrorId::kInvalidArgument,
                 "--out is inside the data folder: the shares must leave it (use a folder on the "
                 "officers' removable drive, or a temporary one you shred)");
  }
  struct stat st;
  if (::lstat(dir.c_str(), &st) == 0) {
    if (S_ISLNK(st.st_mode)) return Error(ErrorId::kInvalidArgument, "--out is a symlink");
    if (!S_ISDIR(st.st_mode)) return Error(ErrorId::kInvalidArgument, dir + " is not a folder");
    DIR* dp = ::opendir(dir.c_str());
    if (dp == nullptr) return Error(ErrorId::kIo, "cannot list " + dir);
    bool empty = true;
    while (const struct dirent* e = ::readdir(dp)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") empty = false;
    }
    ::closedir(dp);
    if (!empty) {
      return Error(ErrorId::kAlreadyExists,
                   dir + " is not empty: give a new folder for the shares");
    }
  } else if (::mkdir(dir.c_str(), 0700) != 0) {
    return Error(ErrorId::kIo, "cannot create " + dir);
  }
  if (::lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != ::geteuid()) {
    return Error(ErrorId::kPermissionDenied, dir + " must be a folder owned by this user");
  }
  if (::chmod(dir.c_str(), 0700) != 0) return Error(ErrorId::kIo, "cannot chmod 700 " + dir);
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
  if (Status s = PrepareShareFolder(o.out, o.data); !s.ok()) return out.Fail(s);
  const std::string before = (*keys)->seal_info() ? (*keys)->seal_info()->split_id : "";
  std::vector<std::string> files;
  auto deliver = [&](const std::vector<crypto::Share>& shares) -> Status {
    return WriteShares(o.out, shares, &files);
  };
  auto split = core::SplitDataKeys((*dir)->store(), **keys, (*dir)->clock(), (*dir)->rng(),
                                   g.actor, o.threshold, o.shares, deliver);
  if (!split.ok()) {
    const auto& now = (*keys)->seal_info();
    if (now && now->split_id != before) {
      // The new split is in force: its shares are the only way into the data keys now.
      std::string keep = "The new split " + now->split_id + " IS in force: keep its shares:\n";
      for (const auto& f : files) keep += "  " + f + "\n";
      return out.Fail(split.status(), nullptr, keep);
    }
    // Nothing was sealed: the shares written open nothing, so take them back.
    for (const auto& p : files) ::unlink(p.c_str());
    return out.Fail(split.status());
  }
  nlohmann::ordered_json j = {{"split_id", split->split_id},
                              {"threshold", split->threshold},
                              {"shares", split->count},
                              {"files", files}};
  std::string human = "Data keys sealed and split " + std::to_string(split->threshold) + "-of-" +
                      std::to_string(split->count) + " (split " + split->split_id + "). " +
                      (before.empty() ? "kek.key and blind-index.key were shredded."
                                      : "The sealed file of split " + before +
                                            " was shredded: its shares open nothing here now.") +
                      "\nShare files:\n";
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
