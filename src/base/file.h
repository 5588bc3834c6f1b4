#pragma once
// Bounded file reading and atomic file writing.

#include <cstddef>
#include <string>

#include "base/bytes.h"
#include "base/status.h"

namespace cityid {

// Reads a whole file. Fails with kIo if it cannot be opened, kResourceExhausted if it is larger
// than `max_bytes` (checked before reading everything, so a huge file costs nothing).
Result<std::string> ReadFileBounded(const std::string& path, size_t max_bytes);

// Writes `data` to `path` atomically: a temp file in the same folder with `mode`, fsync, rename,
// fsync of the folder. Either the old or the new content is visible, never a mix.
Status WriteFileAtomic(const std::string& path, std::string_view data, unsigned mode);

// Creates `path` (and parents) with `mode` if missing. Fails with kIo.
Status MakeDirs(const std::string& path, unsigned mode);

bool PathExists(const std::string& path);

}  // namespace cityid
