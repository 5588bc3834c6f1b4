#pragma once
// zlib (RFC 1950) and gzip (RFC 1952) compression with bounded, streaming decompression.
//
// The card payload is zlib-wrapped deflate (Claim 169 pipeline); the status list's
// `encodedList` is gzip (W3C Bitstring Status List). Decompression is always bounded: it stops
// as soon as the output would pass `max_out`, so a "zip bomb" costs at most `max_out` bytes of
// memory and the time to produce them.

#include <cstddef>

#include "base/bytes.h"
#include "base/status.h"

namespace cityid::credential {

// Returns the zlib stream (RFC 1950) of `data` in stored (uncompressed) deflate blocks: card
// payloads are high-entropy and deflate would not shrink them (zlib_codec.cc). Deterministic for the same
// input and zlib version. Never fails (allocation failure is a checked crash). Thread-safe.
Bytes ZlibCompress(ByteView data);

// Inflates exactly one zlib stream that must span all of `data`.
// Fails with kPayloadTooLarge when the output would exceed `max_out` bytes (decompression stops
// there); with kBadCompression on a malformed, truncated or dictionary-requiring stream, a bad
// Adler-32 checksum, or bytes after the end of the stream. Thread-safe.
Result<Bytes> ZlibDecompress(ByteView data, size_t max_out);

// Returns the gzip stream (RFC 1952, deflate level 9, mtime 0, no file name) of `data`.
// Deterministic. Never fails. Thread-safe.
Bytes GzipCompress(ByteView data);

// Inflates exactly one gzip member that must span all of `data` (no concatenated members).
// Errors as for ZlibDecompress. Thread-safe.
Result<Bytes> GzipDecompress(ByteView data, size_t max_out);

}  // namespace cityid::credential
