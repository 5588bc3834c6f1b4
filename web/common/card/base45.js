// Base45, RFC 9285, decoded strictly as docs/card-format.md §1 requires: a character outside the
// alphabet, a length ≡ 1 (mod 3), a 3-character group worth more than 65535 or a final
// 2-character group worth more than 255 are errors.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

export class Base45Error extends Error {}

function value(text, i) {
  const c = text.charCodeAt(i);
  const v = c < 128 ? VALUE[c] : -1;
  if (v < 0) throw new Base45Error(`character ${i} is outside the Base45 alphabet`);
  return v;
}

/** @param {string} text @returns {Uint8Array} @throws {Base45Error} */
export function decodeBase45(text) {
  if (text.length % 3 === 1) throw new Base45Error('length ≡ 1 (mod 3)');
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  let i = 0;
  for (; i + 3 <= text.length; i += 3) {
    const n = value(text, i) + 45 * value(text, i + 1) + 2025 * value(text, i + 2);
    if (n > 0xffff) throw new Base45Error(`group at ${i} is worth more than 65535`);
    out[o++] = n >> 8;
    out[o++] = n & 0xff;
  }
  if (i < text.length) {
    const n = value(text, i) + 45 * value(text, i + 1);
    if (n > 0xff) throw new Base45Error('final 2-character group is worth more than 255');
    out[o++] = n;
  }
  return out;
}

/** Encoding, for tests and tools that build payloads. */
export function encodeBase45(bytes) {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    let n = bytes[i] * 256 + bytes[i + 1];
    for (let k = 0; k < 3; k++) {
      out += ALPHABET[n % 45];
      n = Math.floor(n / 45);
    }
  }
  if (bytes.length % 2 === 1) {
    const n = bytes[bytes.length - 1];
    out += ALPHABET[n % 45] + ALPHABET[Math.floor(n / 45)];
  }
  return out;
}
