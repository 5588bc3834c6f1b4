#include "base/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace cityid {
namespace {

Status IoError(const std::string& what, const std::string& path) {
  return Error(ErrorId::kIo, what + " '" + path + "': " + std::strerror(errno));
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace

Result<std::string> ReadFileBounded(const std::string& path, size_t max_bytes) {
  Fd f;
  // O_NONBLOCK: opening a FIFO must not hang; it is then refused as not a regular file.
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (f.fd < 0) return IoError("cannot open", path);
  struct stat st;
  if (::fstat(f.fd, &st) != 0) return IoError("cannot stat", path);
  if (!S_ISREG(st.st_mode)) return Error(ErrorId::kIo, "not a regular file: '" + path + "'");
  if (static_cast<size_t>(st.st_size) > max_bytes) {
    return Error(ErrorId::kResourceExhausted,
                 "file '" + path + "' is larger than " + std::to_string(max_bytes) + " bytes");
  }
  std::string out;
  out.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < out.size()) {
    const ssize_t n = ::read(f.fd, out.data() + got, out.size() - got);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read", path);
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out.resize(got);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode) {
  const std::filesystem::path target(path);
  const std::string dir = target.has_parent_path() ? target.parent_path().string() : ".";
  std::string tmp = path + ".tmp.XXXXXX";
  Fd f;
  f.fd = ::mkstemp(tmp.data());
  if (f.fd < 0) return IoError("cannot create temp file for", path);
  auto fail = [&](const char* what) {
    Status s = IoError(what, path);
    ::unlink(tmp.c_str());
    return s;
  };
  if (::fchmod(f.fd, mode) != 0) return fail("cannot chmod");
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(f.fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail("cannot write");
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(f.fd) != 0) return fail("cannot fsync");
  ::close(f.fd);
  f.fd = -1;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("cannot rename");
  Fd d;
  d.fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d.fd >= 0) ::fsync(d.fd);
  return Status::Ok();
}

Status MakeDirs(const std::string& path, unsigned mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) return Error(ErrorId::kIo, "cannot create folder '" + path + "': " + ec.message());
  if (::chmod(path.c_str(), mode) != 0) return IoError("cannot chmod", path);
  return Status::Ok();
}

bool PathExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

}  // namespace cityid
