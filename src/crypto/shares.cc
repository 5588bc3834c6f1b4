#include "crypto/shares.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

extern "C" {
#include <libgfshare.h>
}

#include "base/bytes.h"

namespace cityid::crypto {
namespace {

constexpr std::string_view kPrefix = "cityid-kek-share-v1";
constexpr size_t kCheckBytes = 4;
constexpr size_t kMaxShareFile = 4096;
constexpr size_t kMaxSecret = 1024;

// libgfshare draws randomness through one global, context-free function pointer, NULL until
// set: for polynomial coefficients, and when freeing a context (it scrubs its buffers with
// random bytes). Every use is serialized; a split aims it at the caller's Rng for the
// duration, everything else at libsodium's CSPRNG.
std::mutex g_gfshare_mutex;
Rng* g_split_rng = nullptr;

void FillFromSplitRng(unsigned char* out, unsigned int n) {
  g_split_rng->Fill(std::span<uint8_t>(out, n));
}

void FillFromSodium(unsigned char* out, unsigned int n) { randombytes_buf(out, n); }

std::string Check(std::string_view body) {
  uint8_t h[crypto_generichash_BYTES];
  crypto_generichash(h, sizeof h, reinterpret_cast<const uint8_t*>(body.data()), body.size(),
                     nullptr, 0);
  return HexEncode(ByteView(h, kCheckBytes));
}

Status Invalid(const std::string& what) {
  return Error(ErrorId::kKeysInvalid, "not a valid cityid key share: " + what);
}

bool ParseSmallInt(std::string_view s, int lo, int hi, int* out) {
  if (s.empty() || s.size() > 3) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (v < lo || v > hi) return false;
  *out = v;
  return true;
}

// The body of a share line: everything the check covers. The y part is secret.
SecretBytes Body(const Share& s) {
  std::string y = Base64UrlEncode(s.y.view());
  std::string body = std::string(kPrefix) + " " + s.split_id + " " + std::to_string(s.threshold) +
                     " " + std::to_string(s.count) + " " + std::to_string(s.x) + " " + y;
  SecretBytes out(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  sodium_memzero(y.data(), y.size());
  sodium_memzero(body.data(), body.size());
  return out;
}

}  // namespace

Result<std::vector<Share>> SplitSecret(const SecretBytes& secret, int threshold, int count,
                                       std::string_view split_id, Rng& rng) {
  if (threshold < 2 || count < threshold || count > kMaxShares) {
    return Error(ErrorId::kInvalidArgument,
                 "need 2 <= threshold <= shares <= " + std::to_string(kMaxShares) + " (got " +
                     std::to_string(threshold) + " of " + std::to_string(count) + ")");
  }
  if (secret.empty() || secret.size() > kMaxSecret) {
    return Error(ErrorId::kInvalidArgument, "secret to split must be 1.." +
                                                std::to_string(kMaxSecret) + " bytes");
  }
  std::vector<unsigned char> xs(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) xs[static_cast<size_t>(i)] = static_cast<unsigned char>(i + 1);
  std::vector<Share> out;
  std::lock_guard<std::mutex> lock(g_gfshare_mutex);
  g_split_rng = &rng;
  gfshare_fill_rand = FillFromSplitRng;
  gfshare_ctx* ctx = gfshare_ctx_init_enc(xs.data(), static_cast<unsigned>(count),
                                          static_cast<unsigned char>(threshold),
                                          static_cast<unsigned>(secret.size()));
  if (ctx == nullptr) {
    gfshare_fill_rand = FillFromSodium;
    g_split_rng = nullptr;
    return Error(ErrorId::kInternal, "libgfshare refused the split parameters");
  }
  SecretBytes copy = secret;  // libgfshare takes a non-const pointer
  gfshare_ctx_enc_setsecret(ctx, copy.data());
  for (int i = 0; i < count; ++i) {
    Share s;
    s.split_id = std::string(split_id);
    s.threshold = threshold;
    s.count = count;
    s.x = i + 1;
    s.y = SecretBytes(secret.size());
    gfshare_ctx_enc_getshare(ctx, static_cast<unsigned char>(i), s.y.data());
    out.push_back(std::move(s));
  }
  gfshare_ctx_free(ctx);  // scrubs its buffers
  gfshare_fill_rand = FillFromSodium;
  g_split_rng = nullptr;
  return out;
}

Result<SecretBytes> CombineShares(const std::vector<Share>& given) {
  if (given.empty()) return Error(ErrorId::kKeysSealed, "no key shares given");
  const Share& first = given.front();
  // The same share given twice (say, in a flag and in the environment) counts once; two
  // different values for one share number are an error.
  std::vector<const Share*> shares;
  std::vector<unsigned char> xs;
  for (const Share& s : given) {
    if (s.split_id != first.split_id) {
      return Error(ErrorId::kKeysInvalid, "the shares come from different splits (" +
                                              first.split_id + " and " + s.split_id + ")");
    }
    if (s.threshold != first.threshold || s.count != first.count || s.y.size() != first.y.size() ||
        s.y.empty() || s.x < 1 || s.x > s.count) {
      return Error(ErrorId::kKeysInvalid, "share " + std::to_string(s.x) + " of split " +
                                              s.split_id + " does not match the others");
    }
    bool repeat = false;
    for (const Share* seen : shares) {
      if (seen->x != s.x) continue;
      if (!ConstantTimeEquals(seen->y.view(), s.y.view())) {
        return Error(ErrorId::kKeysInvalid, "two different values were given for share " +
                                                std::to_string(s.x) + "; one is wrong");
      }
      repeat = true;
    }
    if (repeat) continue;
    shares.push_back(&s);
    xs.push_back(static_cast<unsigned char>(s.x));
  }
  if (static_cast<int>(shares.size()) < first.threshold) {
    return Error(ErrorId::kKeysSealed,
                 std::to_string(shares.size()) + " distinct share(s) given, " +
                     std::to_string(first.threshold) + " needed (split " + first.split_id +
                     " is " + std::to_string(first.threshold) + "-of-" +
                     std::to_string(first.count) + ")");
  }
  std::lock_guard<std::mutex> lock(g_gfshare_mutex);
  gfshare_fill_rand = FillFromSodium;
  gfshare_ctx* ctx = gfshare_ctx_init_dec(xs.data(), static_cast<unsigned>(xs.size()),
                                          static_cast<unsigned>(first.y.size()));
  if (ctx == nullptr) return Error(ErrorId::kInternal, "libgfshare refused the shares");
  for (size_t i = 0; i < shares.size(); ++i) {
    SecretBytes y = shares[i]->y;  // libgfshare takes a non-const pointer
    gfshare_ctx_dec_giveshare(ctx, static_cast<unsigned char>(i), y.data());
  }
  SecretBytes secret(first.y.size());
  gfshare_ctx_dec_extract(ctx, secret.data());
  gfshare_ctx_free(ctx);
  return secret;
}

SecretBytes EncodeShare(const Share& share) {
  SecretBytes body = Body(share);
  const std::string check =
      Check(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  SecretBytes line(body.size() + 1 + check.size());
  std::copy(body.data(), body.data() + body.size(), line.data());
  line.data()[body.size()] = ' ';
  std::copy(check.begin(), check.end(), line.data() + body.size() + 1);
  return line;
}

Result<Share> ParseShare(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' ||
                           text.back() == '\t')) {
    text.remove_suffix(1);
  }
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  std::vector<std::string_view> f;
  size_t start = 0;
  while (start <= text.size() && f.size() < 8) {
    const size_t sp = text.find(' ', start);
    f.push_back(text.substr(start, sp == std::string_view::npos ? std::string_view::npos
                                                                 : sp - start));
    if (sp == std::string_view::npos) break;
    start = sp + 1;
  }
  if (f.empty() || f[0] != kPrefix) return Invalid("it does not start with " + std::string(kPrefix));
  if (f.size() != 7) return Invalid("expected 7 space-separated fields");
  const size_t body_len = static_cast<size_t>(f[6].data() - text.data()) - 1;
  const std::string_view body = text.substr(0, body_len);
  // Constant-time: the check is derived from the secret part.
  const std::string want = Check(body);
  if (!ConstantTimeEquals(AsBytes(want), AsBytes(f[6]))) {
    return Invalid("its check digits do not match (mistyped or damaged)");
  }
  Share s;
  s.split_id = std::string(f[1]);
  auto id = Base64UrlDecode(f[1]);
  if (!id.ok() || id->size() != kSplitIdBytes) return Invalid("bad split id");
  if (!ParseSmallInt(f[2], 2, kMaxShares, &s.threshold) ||
      !ParseSmallInt(f[3], s.threshold, kMaxShares, &s.count) ||
      !ParseSmallInt(f[4], 1, s.count, &s.x)) {
    return Invalid("bad threshold, count or share number");
  }
  auto y = Base64UrlDecode(f[5]);
  if (!y.ok() || y->empty() || y->size() > kMaxSecret) return Invalid("bad share value");
  s.y = SecretBytes(y->data(), y->size());
  sodium_memzero(y->data(), y->size());
  return s;
}

Result<SecretBytes> ReadShareFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return Error(ErrorId::kKeysMissing, "key share file missing: " + path);
    return Error(ErrorId::kKeysInvalid, "cannot open key share file " + path + " (a symlink?)");
  }
  struct stat st;
  const bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                  st.st_size <= static_cast<off_t>(kMaxShareFile);
  SecretBytes text;
  if (ok) {
    text = SecretBytes(static_cast<size_t>(st.st_size));
    size_t done = 0;
    while (done < text.size()) {
      const ssize_t n = ::read(fd, text.data() + done, text.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    if (done != text.size()) {
      ::close(fd);
      return Error(ErrorId::kIo, "cannot read key share file " + path);
    }
  }
  ::close(fd);
  if (!ok) return Error(ErrorId::kKeysInvalid, "key share file " + path + " is not a small file");
  return text;
}

}  // namespace cityid::crypto
