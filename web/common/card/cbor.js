// Strict CBOR (RFC 8949) as docs/card-format.md §8 step 4 and the C++ reference
// (src/credential/cbor_util.cc, cbor::ValidateCbor) define it: definite lengths only, no
// duplicate map keys (compared by their encoded bytes), no trailing bytes, valid UTF-8 in text
// strings, no unassigned simple values, every declared length checked against the bytes left,
// depth and item limits counted as there (the item is at depth 0, each array, map or tag adds one;
// every data item counts, map keys included). Tags only where `allowTags` says so.
//
// Decoded values: integers are numbers (BigInt beyond 2^53), byte strings Uint8Array, text strings
// string, arrays Array, maps CborMap (entries in wire order), tags Tagged, false/true/null as
// themselves, undefined as UNDEFINED, floats CborFloat — so no type can pass for another.
import { decodeUtf8 } from './bytes.js';

export class CborError extends Error {}

export class CborMap {
  constructor(entries) { this.entries = entries; }
  get size() { return this.entries.length; }
}
export class Tagged {
  constructor(tag, value) { this.tag = tag; this.value = value; }
}
export class CborFloat {
  constructor(value) { this.value = value; }
}
export const UNDEFINED = Object.freeze({ cborUndefined: true });

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

class Decoder {
  constructor(bytes, { maxDepth, maxItems, allowTags = false }) {
    this.b = bytes;
    this.pos = 0;
    this.items = 0;
    this.maxDepth = maxDepth;
    this.maxItems = maxItems;
    this.allowTags = allowTags;
  }

  fail(at, what) { throw new CborError(`CBOR offset ${at}: ${what}`); }
  remaining() { return this.b.length - this.pos; }

  head(start) {
    if (this.pos >= this.b.length) this.fail(start, 'truncated (item expected)');
    const ib = this.b[this.pos++];
    const major = ib >> 5, info = ib & 0x1f;
    if (info < 24) return { major, info, arg: info };
    let n;
    if (info === 24) n = 1;
    else if (info === 25) n = 2;
    else if (info === 26) n = 4;
    else if (info === 27) n = 8;
    else if (info === 31) this.fail(start, 'indefinite length or break is not allowed');
    else this.fail(start, 'reserved additional information value');
    if (this.remaining() < n) this.fail(start, 'truncated (item argument)');
    let v = 0n;
    for (let k = 0; k < n; k++) v = (v << 8n) | BigInt(this.b[this.pos++]);
    return { major, info, arg: v <= MAX_SAFE ? Number(v) : v, argBig: v };
  }

  item(depth) {
    const start = this.pos;
    if (++this.items > this.maxItems) this.fail(start, 'too many data items');
    const { major, info, arg, argBig } = this.head(start);
    switch (major) {
      case 0:
        return arg;
      case 1:
        return typeof arg === 'number' ? -1 - arg : -1n - arg;
      case 2:
      case 3: {
        if (typeof arg !== 'number' || arg > this.remaining()) this.fail(start, 'string length exceeds the remaining bytes');
        const bytes = this.b.slice(this.pos, this.pos + arg);
        this.pos += arg;
        if (major === 2) return bytes;
        const text = decodeUtf8(bytes);
        if (text === null) this.fail(start, 'text string is not valid UTF-8');
        return text;
      }
      case 4: {
        if (depth + 1 > this.maxDepth) this.fail(start, 'nesting too deep');
        if (typeof arg !== 'number' || arg > this.remaining()) this.fail(start, 'array length exceeds the remaining bytes');
        const out = [];
        for (let i = 0; i < arg; i++) out.push(this.item(depth + 1));
        return out;
      }
      case 5: {
        if (depth + 1 > this.maxDepth) this.fail(start, 'nesting too deep');
        if (typeof arg !== 'number' || arg > this.remaining() / 2) this.fail(start, 'map length exceeds the remaining bytes');
        const entries = [];
        const seen = new Set();
        let duplicate = false;
        for (let i = 0; i < arg; i++) {
          const keyStart = this.pos;
          const k = this.item(depth + 1);
          const raw = Array.prototype.join.call(this.b.subarray(keyStart, this.pos), ',');
          if (seen.has(raw)) duplicate = true;
          seen.add(raw);
          entries.push([k, this.item(depth + 1)]);
        }
        // Reported once the whole map has been read, as the reference does.
        if (duplicate) this.fail(start, 'duplicate map key');
        return new CborMap(entries);
      }
      case 6: {
        if (!this.allowTags) this.fail(start, 'tags are not allowed here');
        if (depth + 1 > this.maxDepth) this.fail(start, 'nesting too deep');
        return new Tagged(argBig ?? BigInt(arg), this.item(depth + 1));
      }
      default: {  // 7: simple values and floats
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return UNDEFINED;
        if (info >= 25 && info <= 27) return new CborFloat(Number(arg));
        return this.fail(start, 'unassigned or reserved simple value');
      }
    }
  }
}

/** Decodes exactly one strict CBOR item. Throws CborError. */
export function decodeStrict(bytes, limits) {
  const d = new Decoder(bytes, limits);
  const value = d.item(0);
  if (d.pos !== bytes.length) d.fail(d.pos, `${bytes.length - d.pos} trailing bytes after the item`);
  return value;
}

/** Takes the leading tag heads off raw CBOR bytes (at most `maxTags`); {tags: BigInt[], rest}. */
export function splitTags(bytes, maxTags) {
  const tags = [];
  let pos = 0;
  while (pos < bytes.length && bytes[pos] >> 5 === 6) {
    if (tags.length === maxTags) throw new CborError(`CBOR offset ${pos}: too many tags`);
    const info = bytes[pos] & 0x1f;
    let n;
    if (info < 24) n = 0;
    else if (info <= 27) n = 1 << (info - 24);
    else throw new CborError(`CBOR offset ${pos}: invalid tag head`);
    if (bytes.length - pos - 1 < n) throw new CborError(`CBOR offset ${pos}: truncated tag`);
    let tag = info < 24 ? BigInt(info) : 0n;
    for (let k = 0; k < n; k++) tag = (tag << 8n) | BigInt(bytes[pos + 1 + k]);
    tags.push(tag);
    pos += 1 + n;
  }
  return { tags, rest: bytes.subarray(pos) };
}

/** RFC 8949 preferred head of major type `major` with argument `n` (n < 2^32). */
export function cborHead(major, n) {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  return Uint8Array.of(m | 26, n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** Preferred encoding of a small integer (a claim key). */
export const cborInt = (k) => (k >= 0 ? cborHead(0, k) : cborHead(1, -1 - k));

export const isInt = (v) => (typeof v === 'number' && Number.isInteger(v)) || typeof v === 'bigint';
const INT64_MIN = -(2n ** 63n), INT64_MAX = 2n ** 63n - 1n;
/** An integer the reference's Reader::Int accepts (int64). */
export const isInt64 = (v) => (typeof v === 'number' && Number.isInteger(v)) ||
  (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX);
