#include "http/static_site.h"

#include <sodium.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <sstream>
#include <system_error>
#include <utility>

#include "base/bytes.h"

namespace cityid::http {
namespace {

namespace fs = std::filesystem;

std::string ContentType(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "json") return "application/json";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  if (ext == "txt") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

bool SafeName(std::string_view rel) {
  // No hidden file or folder at any depth (".env", "a/.git/config"), no "..".
  if (rel.empty() || rel.size() > 200 || rel.front() == '.' || rel.find("/.") != rel.npos ||
      rel.find("..") != rel.npos) {
    return false;
  }
  return std::all_of(rel.begin(), rel.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-' || c == '/';
  });
}

Result<std::string> ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return Error(ErrorId::kIo, "cannot read " + p.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The URL path of the file at `rel` (relative to the site's folder, '/'-separated).
std::string UrlPath(const std::string& rel) {
  if (rel == "index.html") return "/";
  constexpr std::string_view kHtml = ".html";
  if (rel.size() > kHtml.size() && rel.compare(rel.size() - kHtml.size(), kHtml.size(), kHtml) == 0) {
    return "/" + rel.substr(0, rel.size() - kHtml.size());
  }
  return "/" + rel;
}

std::string Etag(std::string_view body) {
  unsigned char digest[16];
  crypto_generichash(digest, sizeof digest, reinterpret_cast<const unsigned char*>(body.data()),
                     body.size(), nullptr, 0);
  return "\"" + HexEncode(ByteView(digest, sizeof digest)) + "\"";
}

// True when `if_none_match` lists `etag` (or is "*"); weak validators compare as strong ones,
// which is right for byte-identical files.
bool Matches(std::string_view if_none_match, std::string_view etag) {
  size_t pos = 0;
  while (pos < if_none_match.size()) {
    size_t end = if_none_match.find(',', pos);
    if (end == std::string_view::npos) end = if_none_match.size();
    std::string_view tag = if_none_match.substr(pos, end - pos);
    while (!tag.empty() && (tag.front() == ' ' || tag.front() == '\t')) tag.remove_prefix(1);
    while (!tag.empty() && (tag.back() == ' ' || tag.back() == '\t')) tag.remove_suffix(1);
    if (tag.substr(0, 2) == "W/") tag.remove_prefix(2);
    if (tag == "*" || tag == etag) return true;
    pos = end + 1;
  }
  return false;
}

}  // namespace

bool AcceptsGzip(std::string_view value) {
  size_t pos = 0;
  while (pos < value.size()) {
    size_t end = value.find(',', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view item = value.substr(pos, end - pos);
    pos = end + 1;
    const size_t semi = item.find(';');
    std::string_view coding = item.substr(0, semi);
    auto trim = [](std::string_view s) {
      while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
      while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
      return s;
    };
    coding = trim(coding);
    std::string lower(coding);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (lower != "gzip" && lower != "*" && lower != "x-gzip") continue;
    if (semi == std::string_view::npos) return true;
    std::string params(trim(item.substr(semi + 1)));
    params.erase(std::remove(params.begin(), params.end(), ' '), params.end());
    // q=0, q=0.0, q=0.00, q=0.000: refused; any other weight accepts.
    if (params.rfind("q=0", 0) == 0 &&
        params.find_first_not_of("0.", 2) == std::string::npos) {
      continue;
    }
    return true;
  }
  return false;
}

Result<std::unique_ptr<StaticSite>> StaticSite::Load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Error(ErrorId::kNotFound, "web folder " + dir.string() +
                                         " not found (build it with `node web/build.mjs`, or pass "
                                         "--web-dir)");
  }
  auto site = std::unique_ptr<StaticSite>(new StaticSite());
  std::map<std::string, std::string> gz;  // relative name of the plain file → its gzip bytes
  size_t total = 0;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    const std::string rel = fs::relative(it->path(), dir, ec).generic_string();
    // A symbolic link could point anywhere on the machine: the site is its folder's own files.
    if (it->is_symlink(ec)) {
      return Error(ErrorId::kInvalidArgument, "web folder: symbolic link " + rel + " refused");
    }
    if (!it->is_regular_file(ec)) continue;
    if (!SafeName(rel)) {
      return Error(ErrorId::kInvalidArgument, "web folder: unexpected file name " + rel);
    }
    if (site->files_.size() + gz.size() >= kMaxFiles) {
      return Error(ErrorId::kInvalidArgument, "web folder: more than " +
                                                  std::to_string(kMaxFiles) + " files");
    }
    CITYID_ASSIGN_OR_RETURN(std::string body, ReadFile(it->path()));
    total += body.size();
    if (total > kMaxBytes) {
      return Error(ErrorId::kInvalidArgument, "web folder: larger than " +
                                                  std::to_string(kMaxBytes >> 20) + " MiB");
    }
    if (rel.size() > 3 && rel.compare(rel.size() - 3, 3, ".gz") == 0) {
      gz.emplace(rel.substr(0, rel.size() - 3), std::move(body));
      continue;
    }
    File f;
    f.content_type = ContentType(rel);
    f.etag = Etag(body);
    f.body = std::move(body);
    site->files_.emplace(UrlPath(rel), std::move(f));
  }
  if (ec) return Error(ErrorId::kIo, "web folder " + dir.string() + ": " + ec.message());
  for (auto& [rel, bytes] : gz) {
    auto it = site->files_.find(UrlPath(rel));
    if (it != site->files_.end()) it->second.gzip = std::move(bytes);
  }
  return site;
}

const StaticSite::File* StaticSite::Find(std::string_view path) const {
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

Reply StaticSite::Serve(const Request& req, const File& f) {
  // no-cache: the browser keeps the file but asks each time (a 304 costs a round trip and no
  // body), so a new release is picked up at once without versioned file names.
  Reply r{200, "", f.content_type, "no-cache"};
  r.headers = {{"ETag", f.etag},
               {"Vary", "Accept-Encoding"},
               {"Content-Security-Policy", kPageCsp},
               {"Cross-Origin-Opener-Policy", "same-origin"},
               {"Cross-Origin-Resource-Policy", "same-origin"},
               {"Permissions-Policy", "camera=(self), microphone=(), geolocation=(), payment=()"}};
  if (Matches(req.get_header_value("If-None-Match"), f.etag)) {
    r.status = 304;
    return r;
  }
  if (!f.gzip.empty() && AcceptsGzip(req.get_header_value("Accept-Encoding"))) {
    r.body = f.gzip;
    r.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    r.body = f.body;
  }
  return r;
}

}  // namespace cityid::http
