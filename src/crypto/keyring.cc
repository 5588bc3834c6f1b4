#include "crypto/keyring.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <nlohmann/json.hpp>

#include "base/file.h"
#include "crypto/envelope.h"

namespace cityid::crypto {
namespace {

constexpr size_t kMaxKeyFile = 4096;

std::string KeyLine(std::string_view kind, const SecretBytes& key) {
  return "cityid-" + std::string(kind) + "-v1 " + Base64UrlEncode(key.view()) + "\n";
}

Result<SecretBytes> ReadKeyFile(const std::string& path, std::string_view kind, size_t size) {
  // Open once, without following symlinks, and check what was opened (no stat/open race).
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return Error(ErrorId::kKeysMissing, "key file missing: " + path);
    return Error(ErrorId::kKeysInvalid, "cannot open key file " + path + " (a symlink?)");
  }
  struct stat st;
  const bool stat_ok = ::fstat(fd, &st) == 0;
  std::string text;
  if (stat_ok && S_ISREG(st.st_mode) && st.st_size <= static_cast<off_t>(kMaxKeyFile)) {
    text.resize(static_cast<size_t>(st.st_size));
    const ssize_t n = ::read(fd, text.data(), text.size());
    text.resize(n > 0 ? static_cast<size_t>(n) : 0);
  }
  ::close(fd);
  if (!stat_ok || !S_ISREG(st.st_mode) || st.st_size > static_cast<off_t>(kMaxKeyFile)) {
    return Error(ErrorId::kKeysInvalid, "key file " + path + " is not a small regular file");
  }
  if ((st.st_mode & 077) != 0) {
    sodium_memzero(text.data(), text.size());
    return Error(ErrorId::kKeysInvalid,
                 "key file " + path + " is readable by others; run: chmod 600 " + path);
  }
  if (st.st_uid != ::geteuid()) {
    sodium_memzero(text.data(), text.size());
    return Error(ErrorId::kKeysInvalid, "key file " + path + " belongs to another user");
  }
  const std::string prefix = "cityid-" + std::string(kind) + "-v1 ";
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.rfind(prefix, 0) != 0) {
    sodium_memzero(text.data(), text.size());
    return Error(ErrorId::kKeysInvalid, "key file " + path + " is not a " + std::string(kind) + " key");
  }
  auto raw = Base64UrlDecode(std::string_view(text).substr(prefix.size()));
  sodium_memzero(text.data(), text.size());
  if (!raw.ok() || raw->size() != size) {
    if (raw.ok()) sodium_memzero(raw->data(), raw->size());
    return Error(ErrorId::kKeysInvalid, "key file " + path + " has a malformed key");
  }
  SecretBytes key(raw->data(), raw->size());
  sodium_memzero(raw->data(), raw->size());
  return key;
}

Status WriteKeyFile(const std::string& path, std::string_view kind, const SecretBytes& key) {
  std::string line = KeyLine(kind, key);
  Status s = WriteFileAtomic(path, line, 0600);
  sodium_memzero(line.data(), line.size());
  return s;
}

SecretBytes RandomKey(Rng& rng, size_t n) {
  SecretBytes k(n);
  rng.Fill(k.mutable_view());
  return k;
}

std::string LogKeyPath(const std::string& dir, const Signer& s) {
  return dir + "/log-" + Base64UrlEncode(s.key_id()) + ".key";
}

// Names of the log-<kid>.key files in `dir`.
Result<std::vector<std::string>> LogKeyFiles(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Error(ErrorId::kIo, "cannot list " + dir);
  std::vector<std::string> out;
  while (const struct dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > 8 && name.rfind("log-", 0) == 0 &&
        name.compare(name.size() - 4, 4, ".key") == 0) {
      out.push_back(name);
    }
  }
  ::closedir(d);
  return out;
}

Result<std::unique_ptr<Ed25519Signer>> ReadLogKey(const std::string& dir, const std::string& name) {
  CITYID_ASSIGN_OR_RETURN(SecretBytes seed, ReadKeyFile(dir + "/" + name, "log", kEd25519SeedBytes));
  CITYID_ASSIGN_OR_RETURN(auto signer, Ed25519Signer::FromSeed(seed));
  if ("log-" + Base64UrlEncode(signer->key_id()) + ".key" != name) {
    return Error(ErrorId::kKeysInvalid, "log key file " + name + " does not match its kid");
  }
  return signer;
}

// Loads the one log key in `dir`, creating it if there is none (data folders made before the
// log key existed). An exclusive flock on the folder serializes concurrent first uses.
Result<std::unique_ptr<Ed25519Signer>> LoadOrCreateLogKey(const std::string& dir, Rng* rng) {
  CITYID_ASSIGN_OR_RETURN(auto names, LogKeyFiles(dir));
  if (names.size() == 1) return ReadLogKey(dir, names[0]);
  if (names.size() > 1) {
    return Error(ErrorId::kKeysInvalid, "more than one log key (log-*.key) in " + dir);
  }
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Error(ErrorId::kIo, "cannot open " + dir);
  if (::flock(fd, LOCK_EX) != 0) {
    ::close(fd);
    return Error(ErrorId::kIo, "cannot lock " + dir);
  }
  Result<std::unique_ptr<Ed25519Signer>> out = Error(ErrorId::kInternal, "unreachable");
  auto again = LogKeyFiles(dir);  // another process may have made it while we waited
  if (!again.ok()) {
    out = again.status();
  } else if (again->size() == 1) {
    out = ReadLogKey(dir, (*again)[0]);
  } else if (again->size() > 1) {
    out = Error(ErrorId::kKeysInvalid, "more than one log key (log-*.key) in " + dir);
  } else {
    SystemRng system_rng;
    auto signer = Ed25519Signer::Generate(rng != nullptr ? *rng : system_rng);
    Status s = WriteKeyFile(LogKeyPath(dir, *signer), "log", signer->seed());
    if (s.ok()) {
      out = std::move(signer);
    } else {
      out = s;
    }
  }
  ::flock(fd, LOCK_UN);
  ::close(fd);
  return out;
}

}  // namespace

Result<std::unique_ptr<Keyring>> Keyring::Create(const std::string& dir, Rng& rng) {
  if (PathExists(dir + "/kek.key")) {
    return Error(ErrorId::kAlreadyExists, "keys already exist in " + dir);
  }
  CITYID_RETURN_IF_ERROR(MakeDirs(dir, 0700));
  std::unique_ptr<Keyring> k(new Keyring());
  k->dir_ = dir;
  k->kek_ = RandomKey(rng, kKekBytes);
  SecretBytes index_key = RandomKey(rng, kBlindIndexKeyBytes);
  k->blind_indexer_ = std::make_unique<BlindIndexer>(index_key);
  k->signers_.push_back(Ed25519Signer::Generate(rng));
  k->log_signer_ = Ed25519Signer::Generate(rng);
  // Write secrets first, the public index last: a crash leaves either no keyring or a full one.
  CITYID_RETURN_IF_ERROR(WriteKeyFile(dir + "/blind-index.key", "blind-index", index_key));
  const auto& signer = *k->signers_.back();
  CITYID_RETURN_IF_ERROR(WriteKeyFile(dir + "/issuer-" + Base64UrlEncode(signer.key_id()) + ".key",
                                      "issuer", signer.seed()));
  CITYID_RETURN_IF_ERROR(
      WriteKeyFile(LogKeyPath(dir, *k->log_signer_), "log", k->log_signer_->seed()));
  CITYID_RETURN_IF_ERROR(k->WritePublicIndex());
  CITYID_RETURN_IF_ERROR(WriteKeyFile(dir + "/kek.key", "kek", k->kek_));
  return k;
}

Result<std::unique_ptr<Keyring>> Keyring::Load(const std::string& dir, Rng* rng) {
  std::unique_ptr<Keyring> k(new Keyring());
  k->dir_ = dir;
  CITYID_ASSIGN_OR_RETURN(k->kek_, ReadKeyFile(dir + "/kek.key", "kek", kKekBytes));
  CITYID_ASSIGN_OR_RETURN(SecretBytes index_key,
                          ReadKeyFile(dir + "/blind-index.key", "blind-index", kBlindIndexKeyBytes));
  k->blind_indexer_ = std::make_unique<BlindIndexer>(std::move(index_key));
  CITYID_ASSIGN_OR_RETURN(std::string index, ReadFileBounded(dir + "/issuer.json", 1 << 20));
  nlohmann::json j = nlohmann::json::parse(index, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("signing_keys") ||
      !j["signing_keys"].is_array() || j["signing_keys"].empty()) {
    return Error(ErrorId::kKeysInvalid, dir + "/issuer.json: expected signing_keys");
  }
  for (const auto& kid : j["signing_keys"]) {
    if (!kid.is_string()) return Error(ErrorId::kKeysInvalid, "issuer.json: kid must be text");
    const std::string name = kid.get<std::string>();
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
      return Error(ErrorId::kKeysInvalid, "issuer.json: bad kid");
    }
    CITYID_ASSIGN_OR_RETURN(SecretBytes seed, ReadKeyFile(dir + "/issuer-" + name + ".key",
                                                          "issuer", kEd25519SeedBytes));
    CITYID_ASSIGN_OR_RETURN(auto signer, Ed25519Signer::FromSeed(seed));
    if (Base64UrlEncode(signer->key_id()) != name) {
      return Error(ErrorId::kKeysInvalid, "issuer key file does not match its kid " + name);
    }
    k->signers_.push_back(std::move(signer));
  }
  if (j.contains("retired")) {
    if (!j["retired"].is_object()) return Error(ErrorId::kKeysInvalid, "issuer.json: retired");
    for (auto it = j["retired"].begin(); it != j["retired"].end(); ++it) {
      if (!it.value().is_number_integer()) {
        return Error(ErrorId::kKeysInvalid, "issuer.json: retired times must be integers");
      }
      k->retired_not_after_[it.key()] = it.value().get<int64_t>();
    }
  }
  CITYID_ASSIGN_OR_RETURN(k->log_signer_, LoadOrCreateLogKey(dir, rng));
  return k;
}

Result<std::unique_ptr<Ed25519Signer>> Keyring::LoadLogSigner(const std::string& dir, Rng* rng) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error(ErrorId::kKeysMissing, "no key folder at " + dir);
  }
  return LoadOrCreateLogKey(dir, rng);
}

PublicKeySet Keyring::PublicKeys(const std::string& issuer) const {
  PublicKeySet set;
  set.issuer = issuer;
  for (size_t i = 0; i < signers_.size(); ++i) {
    PublicKey k{signers_[i]->key_id(), signers_[i]->public_key(),
                i + 1 == signers_.size() ? "active" : "retired", std::nullopt};
    auto it = retired_not_after_.find(Base64UrlEncode(k.key_id));
    if (k.status == "retired" && it != retired_not_after_.end()) k.not_after = it->second;
    set.keys.push_back(std::move(k));
  }
  return set;
}

PublicKey Keyring::LogPublicKey() const {
  return PublicKey{log_signer_->key_id(), log_signer_->public_key(), "active", std::nullopt};
}

Status Keyring::RotateIssuerKey(Rng& rng, UnixSeconds retire_not_after) {
  retired_not_after_[Base64UrlEncode(signers_.back()->key_id())] = retire_not_after;
  auto signer = Ed25519Signer::Generate(rng);
  CITYID_RETURN_IF_ERROR(WriteKeyFile(dir_ + "/issuer-" + Base64UrlEncode(signer->key_id()) + ".key",
                                      "issuer", signer->seed()));
  signers_.push_back(std::move(signer));
  return WritePublicIndex();
}

namespace {

// True when `path` is a regular file (not a symlink) whose content starts with `prefix`.
bool FileStartsWith(const std::string& path, std::string_view prefix) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return false;
  struct stat st;
  std::string head(prefix.size(), '\0');
  bool match = false;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
    const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
    match = n == static_cast<ssize_t>(prefix.size()) && head == prefix;
  }
  ::close(fd);
  sodium_memzero(head.data(), head.size());
  return match;
}

// Overwrites the regular file at `path` with random bytes of its length, fsyncs and unlinks it.
Status ShredFile(const std::string& path, Rng& rng) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return Error(ErrorId::kIo, "cannot open " + path + " to destroy it");
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Error(ErrorId::kIo, path + " is not a regular file");
  }
  Bytes noise(static_cast<size_t>(st.st_size));
  rng.Fill(noise);
  size_t done = 0;
  while (done < noise.size()) {
    const ssize_t n = ::pwrite(fd, noise.data() + done, noise.size() - done,
                               static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      return Error(ErrorId::kIo, "cannot overwrite " + path);
    }
    done += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!synced) return Error(ErrorId::kIo, "cannot fsync " + path);
  if (::unlink(path.c_str()) != 0) return Error(ErrorId::kIo, "cannot remove " + path);
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> Keyring::DestroyDataKeys(Rng& rng) {
  // Wipe in memory first: whatever happens on disk, this process can no longer decrypt.
  kek_ = RandomKey(rng, kKekBytes);
  blind_indexer_ = std::make_unique<BlindIndexer>(RandomKey(rng, kBlindIndexKeyBytes));
  const std::string kek_path = dir_ + "/kek.key";
  if (!PathExists(kek_path)) return Error(ErrorId::kKeysMissing, "no KEK in " + dir_);
  std::vector<std::string> targets = {kek_path};
  if (PathExists(dir_ + "/blind-index.key")) targets.push_back(dir_ + "/blind-index.key");
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return Error(ErrorId::kIo, "cannot list " + dir_);
  while (const struct dirent* e = ::readdir(d)) {
    const std::string path = dir_ + "/" + e->d_name;
    if (path == kek_path || path == dir_ + "/blind-index.key") continue;
    if (FileStartsWith(path, "cityid-kek-v1 ") || FileStartsWith(path, "cityid-blind-index-v1 ")) {
      targets.push_back(path);
    }
  }
  ::closedir(d);
  std::vector<std::string> destroyed;
  for (const auto& path : targets) {
    CITYID_RETURN_IF_ERROR(ShredFile(path, rng));
    destroyed.push_back(path);
  }
  const int dfd = ::open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Error(ErrorId::kIo, "cannot open " + dir_);
  const bool synced = ::fsync(dfd) == 0;
  ::close(dfd);
  if (!synced) return Error(ErrorId::kIo, "cannot fsync " + dir_);
  return destroyed;
}

Status Keyring::WritePublicIndex() const {
  nlohmann::ordered_json j;
  j["signing_keys"] = nlohmann::ordered_json::array();
  j["public_keys"] = nlohmann::ordered_json::array();
  for (const auto& s : signers_) {
    j["signing_keys"].push_back(Base64UrlEncode(s->key_id()));
    j["public_keys"].push_back(Base64UrlEncode(s->public_key()));
  }
  j["retired"] = nlohmann::ordered_json::object();
  for (const auto& [kid, t] : retired_not_after_) j["retired"][kid] = t;
  return WriteFileAtomic(dir_ + "/issuer.json", j.dump(2) + "\n", 0644);
}

}  // namespace cityid::crypto
