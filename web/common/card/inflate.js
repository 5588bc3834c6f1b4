// Capped zlib (RFC 1950) and gzip (RFC 1952) inflation with pako: exactly one stream (Adler-32 or
// CRC-32 checked by pako), no preset dictionary, no trailing bytes, output capped while
// inflating (a zip bomb stops at the cap). docs/card-format.md §2 and §7.
import { Inflate } from 'pako';
import { concat } from './bytes.js';

export class InflateError extends Error {
  constructor(message, tooLarge = false) {
    super(message);
    this.tooLarge = tooLarge;
  }
}

function inflateOne(bytes, cap, windowBits, what) {
  const inflator = new Inflate({ windowBits, chunkSize: 4096 });
  const chunks = [];
  let total = 0;
  let overflow = false;
  inflator.onData = (chunk) => {
    total += chunk.length;
    if (total > cap) {
      overflow = true;
      throw new InflateError(`${what} inflates beyond ${cap} bytes`, true);
    }
    chunks.push(chunk);
  };
  try {
    inflator.push(bytes, true);
  } catch (e) {
    if (overflow) throw e;
    throw new InflateError(`${what}: ${e.message}`);
  }
  if (inflator.err) {
    throw new InflateError(`${what}: ${inflator.msg || 'corrupt compressed stream'}`);
  }
  if (!inflator.ended) throw new InflateError(`${what}: the compressed stream is truncated`);
  // pako goes on into a second concatenated stream by itself, resetting total_in when it does:
  // one stream that used every byte is the only thing accepted.
  if (inflator.strm.avail_in !== 0 || inflator.strm.total_in !== bytes.length) {
    throw new InflateError(`${what}: trailing bytes after the compressed stream`);
  }
  return chunks.length === 1 ? chunks[0] : concat(...chunks);
}

/** zlib stream (header required, no gzip) → bytes, at most `cap`. */
export const inflateZlib = (bytes, cap) => inflateOne(bytes, cap, 15, 'zlib');
/** gzip member → bytes, at most `cap`. */
export function inflateGzip(bytes, cap) {
  if (bytes.length < 18 || bytes[0] !== 0x1f || bytes[1] !== 0x8b) throw new InflateError('not a gzip stream');
  return inflateOne(bytes, cap, 31, 'gzip');
}
