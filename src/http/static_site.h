#pragma once
// The web pages (issue 16): the files of web/dist (built by web/build.mjs), loaded into memory
// when the server starts and served from the event loop. Each file is served at its path
// ("/assets/portal.js"); an HTML page at its name without ".html" ("/verify"), and index.html
// at "/". A file has an ETag (a request that names it gets 304) and, when the build made one, a
// gzip copy sent to clients that accept gzip. Every answer carries the pages' strict
// Content-Security-Policy and the other security headers (docs/architecture.md, "Web pages").
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/request.h"

namespace cityid::http {

// The pages' policy: scripts, styles, fonts and connections only from this origin; no inline
// script or style, no eval, no plugins, no framing, no <base>; images may be data: or blob:
// URLs (a card's photo is shown from a blob: URL the verifier makes), camera frames too.
inline constexpr const char* kPageCsp =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "media-src 'self' blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

class StaticSite {
 public:
  struct File {
    std::string body;
    std::string gzip;  // empty: none (the plain body is sent)
    std::string content_type;
    std::string etag;  // quoted
  };
  // Limits of what is loaded: the site is a few hundred KiB; more means a wrong folder.
  static constexpr size_t kMaxFiles = 2000;
  static constexpr size_t kMaxBytes = 64u << 20;

  // Loads every regular file under `dir`. A missing folder, a file over the limits, or a name
  // outside [A-Za-z0-9._-/] is an error (the server refuses to start rather than serve half a
  // site).
  static Result<std::unique_ptr<StaticSite>> Load(const std::filesystem::path& dir);

  // The file served at `path` (the request's path, no query), or nullptr.
  const File* Find(std::string_view path) const;
  // The answer for `req` (GET or HEAD) with file `f`: 200 or 304.
  static Reply Serve(const Request& req, const File& f);
  size_t files() const { return files_.size(); }

 private:
  std::map<std::string, File, std::less<>> files_;
};

// True when `accept_encoding` (an Accept-Encoding value) accepts gzip: listed (or "*") without
// q=0.
bool AcceptsGzip(std::string_view accept_encoding);

}  // namespace cityid::http
