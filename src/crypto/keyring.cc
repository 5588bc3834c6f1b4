#include "crypto/keyring.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

// Loads the one log key in `dir`. With kCreateIfMissing, creates it if there is none (data
// folders made before the log key existed); an exclusive flock on the folder serializes
// concurrent first uses. Otherwise a missing key is kKeysMissing: a new key would not verify
// the tree heads the old one signed, and would clash with it when it is put back.
Result<std::unique_ptr<Ed25519Signer>> LoadOrCreateLogKey(const std::string& dir, Rng* rng,
                                                          LogKeyMode mode) {
  CITYID_ASSIGN_OR_RETURN(auto names, LogKeyFiles(dir));
  if (names.size() == 1) return ReadLogKey(dir, names[0]);
  if (names.size() > 1) {
    return Error(ErrorId::kKeysInvalid, "more than one log key (log-*.key) in " + dir);
  }
  if (mode == LogKeyMode::kMustExist) {
    return Error(ErrorId::kKeysMissing,
                 "the access-log key (log-<kid>.key) is missing from " + dir +
                     "; restore it from the offline key backup (docs/operations.md)");
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

// data-keys.sealed: one key line "cityid-sealed-v1 <base64url>" of
//   k (1 byte) || n (1 byte) || split id (8 bytes) || XChaCha20-Poly1305(nonce || KEK || index key || tag)
// with associated data naming the split, so the header cannot be edited to mislead officers.
constexpr size_t kSealedBytes = 2 + kSplitIdBytes + 24 + kKekBytes + kBlindIndexKeyBytes + 16;
constexpr const char* kSealedFile = "/data-keys.sealed";
// A re-split writes its sealed file here first; it is the current one until renamed over.
constexpr const char* kSealedNewFile = "/data-keys.sealed.new";

std::string SealAd(const std::string& split_id, int k, int n) {
  return "cityid:sealed-data-keys:v1:" + split_id + ":" + std::to_string(k) + ":" +
         std::to_string(n);
}

struct DataKeys {
  SecretBytes kek;
  SecretBytes index_key;
};

// The sealed file in force: a pending re-split's .new one, else data-keys.sealed; "" if none.
std::string CurrentSealedFile(const std::string& dir) {
  if (PathExists(dir + kSealedNewFile)) return dir + kSealedNewFile;
  if (PathExists(dir + kSealedFile)) return dir + kSealedFile;
  return "";
}

// The split named in a sealed file's header.
Result<Keyring::SealInfo> ReadSealInfo(const std::string& path, SecretBytes* blob_out) {
  CITYID_ASSIGN_OR_RETURN(SecretBytes blob, ReadKeyFile(path, "sealed", kSealedBytes));
  Keyring::SealInfo info;
  info.threshold = blob.data()[0];
  info.count = blob.data()[1];
  info.split_id = Base64UrlEncode(ByteView(blob.data() + 2, kSplitIdBytes));
  if (blob_out != nullptr) *blob_out = std::move(blob);
  return info;
}

// Reads kek.key and blind-index.key or, once the keys are sealed (whatever else is in the
// folder), opens the sealed file with the officers' shares.
Result<DataKeys> LoadDataKeys(const std::string& dir, const std::vector<SecretBytes>& share_texts,
                              std::optional<Keyring::SealInfo>* seal) {
  DataKeys keys;
  const std::string sealed_path = CurrentSealedFile(dir);
  if (sealed_path.empty()) {
    CITYID_ASSIGN_OR_RETURN(keys.kek, ReadKeyFile(dir + "/kek.key", "kek", kKekBytes));
    CITYID_ASSIGN_OR_RETURN(keys.index_key, ReadKeyFile(dir + "/blind-index.key", "blind-index",
                                                        kBlindIndexKeyBytes));
    return keys;
  }
  SecretBytes blob;
  CITYID_ASSIGN_OR_RETURN(Keyring::SealInfo info, ReadSealInfo(sealed_path, &blob));
  const std::string how = "the data keys in " + dir + " are sealed, split " +
                          std::to_string(info.threshold) + "-of-" + std::to_string(info.count) +
                          " among officers (split " + info.split_id + ")";
  if (share_texts.empty()) {
    return Error(ErrorId::kKeysSealed,
                 how + ": give " + std::to_string(info.threshold) +
                     " officers' shares with --kek-share FILE (once per share) or "
                     "CITYID_KEK_SHARES=FILE:FILE:...");
  }
  std::vector<Share> shares;
  for (const SecretBytes& text : share_texts) {
    auto share = ParseShare(AsChars(text.view()));
    if (!share.ok()) return share.status();
    if (share->split_id != info.split_id) {
      return Error(ErrorId::kKeysInvalid,
                   "share " + std::to_string(share->x) + " belongs to split " + share->split_id +
                       ", not to this data folder's split " + info.split_id +
                       " (an old share, replaced by a later split?)");
    }
    shares.push_back(std::move(*share));
  }
  auto sealing_key = CombineShares(shares);
  if (!sealing_key.ok()) {
    return Error(sealing_key.status().id(), how + ": " + sealing_key.status().message());
  }
  auto opened = OpenSecret(*sealing_key,
                           ByteView(blob.data() + 2 + kSplitIdBytes, kSealedBytes - 2 - kSplitIdBytes),
                           SealAd(info.split_id, info.threshold, info.count));
  if (!opened.ok() || opened->size() != kKekBytes + kBlindIndexKeyBytes) {
    return Error(ErrorId::kKeysInvalid,
                 how + ": the shares given do not open it (a share from another data folder, or "
                       "a well-formed but wrong share)");
  }
  keys.kek = SecretBytes(opened->data(), kKekBytes);
  keys.index_key = SecretBytes(opened->data() + kKekBytes, kBlindIndexKeyBytes);
  *seal = std::move(info);
  return keys;
}

}  // namespace

Result<std::unique_ptr<Keyring>> Keyring::Create(const std::string& dir, Rng& rng) {
  if (PathExists(dir + "/kek.key") || !CurrentSealedFile(dir).empty()) {
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

Result<std::unique_ptr<Keyring>> Keyring::Load(const std::string& dir, Rng* rng,
                                               const std::vector<SecretBytes>& share_texts,
                                               LogKeyMode log_key) {
  std::unique_ptr<Keyring> k(new Keyring());
  k->dir_ = dir;
  CITYID_ASSIGN_OR_RETURN(DataKeys data_keys, LoadDataKeys(dir, share_texts, &k->seal_));
  k->kek_ = std::move(data_keys.kek);
  k->blind_indexer_ = std::make_unique<BlindIndexer>(std::move(data_keys.index_key));
  if (k->seal_) {
    SystemRng system_rng;
    CITYID_RETURN_IF_ERROR(k->FinishSeal(rng != nullptr ? *rng : system_rng));
  }
  CITYID_RETURN_IF_ERROR(k->LoadIssuerKeys());
  CITYID_ASSIGN_OR_RETURN(k->log_signer_, LoadOrCreateLogKey(dir, rng, log_key));
  return k;
}

Status Keyring::LoadIssuerKeys() {
  CITYID_ASSIGN_OR_RETURN(std::string index, ReadFileBounded(dir_ + "/issuer.json", 1 << 20));
  nlohmann::json j = nlohmann::json::parse(index, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("signing_keys") ||
      !j["signing_keys"].is_array() || j["signing_keys"].empty()) {
    return Error(ErrorId::kKeysInvalid, dir_ + "/issuer.json: expected signing_keys");
  }
  for (const auto& kid : j["signing_keys"]) {
    if (!kid.is_string()) return Error(ErrorId::kKeysInvalid, "issuer.json: kid must be text");
    const std::string name = kid.get<std::string>();
    if (name.find('/') != std::string::npos || name.find("..") != std::string::npos) {
      return Error(ErrorId::kKeysInvalid, "issuer.json: bad kid");
    }
    CITYID_ASSIGN_OR_RETURN(SecretBytes seed, ReadKeyFile(dir_ + "/issuer-" + name + ".key",
                                                          "issuer", kEd25519SeedBytes));
    CITYID_ASSIGN_OR_RETURN(auto signer, Ed25519Signer::FromSeed(seed));
    if (Base64UrlEncode(signer->key_id()) != name) {
      return Error(ErrorId::kKeysInvalid, "issuer key file does not match its kid " + name);
    }
    signers_.push_back(std::move(signer));
  }
  if (j.contains("retired")) {
    if (!j["retired"].is_object()) return Error(ErrorId::kKeysInvalid, "issuer.json: retired");
    for (auto it = j["retired"].begin(); it != j["retired"].end(); ++it) {
      if (!it.value().is_number_integer()) {
        return Error(ErrorId::kKeysInvalid, "issuer.json: retired times must be integers");
      }
      retired_not_after_[it.key()] = it.value().get<int64_t>();
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Keyring>> Keyring::LoadWithoutDataKeys(const std::string& dir, Rng* rng,
                                                              LogKeyMode log_key) {
  std::unique_ptr<Keyring> k(new Keyring());
  k->dir_ = dir;
  CITYID_RETURN_IF_ERROR(k->LoadIssuerKeys());
  CITYID_ASSIGN_OR_RETURN(k->log_signer_, LoadOrCreateLogKey(dir, rng, log_key));
  return k;
}

Result<std::unique_ptr<Keyring>> Keyring::LoadForDestruction(const std::string& dir, Rng* rng) {
  std::unique_ptr<Keyring> k(new Keyring());
  k->dir_ = dir;
  CITYID_ASSIGN_OR_RETURN(k->log_signer_, LoadLogSigner(dir, rng));
  return k;
}

Result<std::unique_ptr<Ed25519Signer>> Keyring::LoadLogSigner(const std::string& dir, Rng* rng,
                                                              LogKeyMode log_key) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return Error(ErrorId::kKeysMissing, "no key folder at " + dir);
  }
  return LoadOrCreateLogKey(dir, rng, log_key);
}

std::string KeyCheckValue(const SecretBytes& key, std::string_view kind) {
  const std::string message = "cityid key check v1 " + std::string(kind);
  uint8_t out[16];
  crypto_generichash(out, sizeof out, reinterpret_cast<const uint8_t*>(message.data()),
                     message.size(), key.data(), key.size());
  return Base64UrlEncode(ByteView(out, sizeof out));
}

std::vector<std::pair<std::string, std::string>> Keyring::KeyChecks() const {
  std::vector<std::pair<std::string, std::string>> out;
  if (kek_.size() == kKekBytes && blind_indexer_) {
    out.emplace_back("kek", KeyCheckValue(kek_, "kek"));
    out.emplace_back("blind-index", KeyCheckValue(blind_indexer_->key(), "blind-index"));
  }
  if (log_signer_) out.emplace_back("log", Base64UrlEncode(log_signer_->key_id()));
  return out;
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

// Makes the folder's entries (removals, renames) durable.
Status SyncDir(const std::string& dir) {
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) return Error(ErrorId::kIo, "cannot open " + dir);
  const bool synced = ::fsync(dfd) == 0;
  ::close(dfd);
  if (!synced) return Error(ErrorId::kIo, "cannot fsync " + dir);
  return Status::Ok();
}

}  // namespace

Result<std::vector<std::string>> Keyring::DestroyDataKeys(Rng& rng) {
  // Wipe in memory first: whatever happens on disk, this process can no longer decrypt.
  kek_ = RandomKey(rng, kKekBytes);
  blind_indexer_ = std::make_unique<BlindIndexer>(RandomKey(rng, kBlindIndexKeyBytes));
  if (!PathExists(dir_ + "/kek.key") && CurrentSealedFile(dir_).empty()) {
    return Error(ErrorId::kKeysMissing, "no KEK (kek.key or data-keys.sealed) in " + dir_);
  }
  return ShredDataKeyFiles(dir_, rng);
}

Result<std::vector<std::string>> Keyring::ShredDataKeyFiles(const std::string& dir, Rng& rng) {
  std::vector<std::string> targets;
  for (const char* name : {"/kek.key", "/blind-index.key", kSealedFile, kSealedNewFile}) {
    if (PathExists(dir + name)) targets.push_back(dir + name);
  }
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return Error(ErrorId::kIo, "cannot list " + dir);
  while (const struct dirent* e = ::readdir(d)) {
    const std::string path = dir + "/" + e->d_name;
    if (std::find(targets.begin(), targets.end(), path) != targets.end()) continue;
    if (FileStartsWith(path, "cityid-kek-v1 ") || FileStartsWith(path, "cityid-blind-index-v1 ") ||
        FileStartsWith(path, "cityid-sealed-v1 ")) {
      targets.push_back(path);
    }
  }
  ::closedir(d);
  std::vector<std::string> destroyed;
  for (const auto& path : targets) {
    CITYID_RETURN_IF_ERROR(ShredFile(path, rng));
    destroyed.push_back(path);
  }
  CITYID_RETURN_IF_ERROR(SyncDir(dir));
  return destroyed;
}

Status Keyring::SealDataKeys(ByteView split_id, int threshold, int count, Rng& rng,
                             const std::function<Status(const std::vector<Share>&)>& deliver) {
  if (kek_.size() != kKekBytes) {
    return Error(ErrorId::kKeysMissing, "this keyring holds no data keys to split");
  }
  if (split_id.size() != kSplitIdBytes) {
    return Error(ErrorId::kInvalidArgument, "a split id is " + std::to_string(kSplitIdBytes) + " bytes");
  }
  // Two splits at once would leave the first one's officers with shares that open nothing:
  // the folder must still be as this keyring found it.
  const std::string on_disk = CurrentSealedFile(dir_);
  if (on_disk.empty() != !seal_.has_value()) {
    return Error(ErrorId::kFailedPrecondition,
                 "the data keys were split or unsealed by another process meanwhile; start again");
  }
  if (seal_) {
    CITYID_ASSIGN_OR_RETURN(SealInfo current, ReadSealInfo(on_disk, nullptr));
    if (current.split_id != seal_->split_id) {
      return Error(ErrorId::kFailedPrecondition,
                   "the data keys were split again by another process meanwhile (split " +
                       current.split_id + "); start again with its shares");
    }
  }
  const Bytes id(split_id.begin(), split_id.end());
  SealInfo info{Base64UrlEncode(id), threshold, count};
  SecretBytes sealing_key = RandomKey(rng, kKekBytes);
  CITYID_ASSIGN_OR_RETURN(std::vector<Share> shares,
                          SplitSecret(sealing_key, threshold, count, info.split_id, rng));
  SecretBytes plain(kKekBytes + kBlindIndexKeyBytes);
  std::copy(kek_.data(), kek_.data() + kKekBytes, plain.data());
  const SecretBytes& index_key = blind_indexer_->key();
  std::copy(index_key.data(), index_key.data() + kBlindIndexKeyBytes, plain.data() + kKekBytes);
  const Bytes sealed = SealSecret(sealing_key, plain.view(),
                                  SealAd(info.split_id, threshold, count), rng);
  SecretBytes blob(2 + kSplitIdBytes + sealed.size());
  blob.data()[0] = static_cast<uint8_t>(threshold);
  blob.data()[1] = static_cast<uint8_t>(count);
  std::copy(id.begin(), id.end(), blob.data() + 2);
  std::copy(sealed.begin(), sealed.end(), blob.data() + 2 + kSplitIdBytes);
  // The officers get their shares before anything on disk depends on them.
  CITYID_RETURN_IF_ERROR(deliver(shares));
  CITYID_RETURN_IF_ERROR(WriteKeyFile(dir_ + kSealedNewFile, "sealed", blob));
  // From here on the new sealed file is the one in force (LoadDataKeys prefers .new): the
  // delivered shares must be kept whatever happens next.
  seal_ = std::move(info);
  return Status::Ok();
}

Status Keyring::FinishSeal(Rng& rng) {
  // A pending re-split: shred the previous sealed file in place (so its bytes do not outlive
  // it on disk), then move the new one into its name.
  if (PathExists(dir_ + kSealedNewFile)) {
    if (PathExists(dir_ + kSealedFile)) CITYID_RETURN_IF_ERROR(ShredFile(dir_ + kSealedFile, rng));
    if (::rename((dir_ + kSealedNewFile).c_str(), (dir_ + kSealedFile).c_str()) != 0) {
      return Error(ErrorId::kIo, "cannot rename " + dir_ + kSealedNewFile);
    }
  }
  // Plain copies of the data keys beside the sealed file: left by a split interrupted before
  // it shredded them (or half-overwritten by one interrupted while shredding). Shred them,
  // unless one holds a different valid key, which no split writes: then a person must look.
  const std::pair<const char*, const SecretBytes*> plain[] = {
      {"/kek.key", &kek_}, {"/blind-index.key", &blind_indexer_->key()}};
  for (const auto& [name, key] : plain) {
    const std::string path = dir_ + name;
    if (!PathExists(path)) continue;
    const std::string kind = std::string(name) == "/kek.key" ? "kek" : "blind-index";
    auto stray = ReadKeyFile(path, kind, key->size());
    if (stray.ok() && !ConstantTimeEquals(stray->view(), key->view())) {
      return Error(ErrorId::kKeysInvalid,
                   path + " holds a key other than the sealed one; move it away and find out why");
    }
    CITYID_RETURN_IF_ERROR(ShredFile(path, rng));
  }
  return SyncDir(dir_);
}

bool Keyring::IsSealed(const std::string& dir) { return !CurrentSealedFile(dir).empty(); }

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
