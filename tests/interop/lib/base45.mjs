// Base45, RFC 9285, written from the RFC. Decoding is strict as docs/card-format.md §1 requires:
// the npm Base45 packages we looked at (base45, base45-js) accept a 3-character group worth more
// than 65535 or a length ≡ 1 (mod 3), so they could not catch an encoder that emits either.

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

export class Base45Error extends Error {}

/** @param {Uint8Array} bytes @returns {string} */
export function encodeBase45(bytes) {
  let out = '';
  for (let i = 0; i + 1 < bytes.length; i += 2) {
    let n = bytes[i] * 256 + bytes[i + 1];  // n = c + 45·d + 45²·e, emitted c d e
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

/** @param {string} text @returns {Uint8Array} @throws {Base45Error} */
export function decodeBase45(text) {
  if (text.length % 3 === 1) throw new Base45Error('length ≡ 1 (mod 3)');
  const out = new Uint8Array(Math.floor(text.length / 3) * 2 + (text.length % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < text.length; i += 3) {
    const group = text.slice(i, i + 3);
    let n = 0;
    for (let k = group.length - 1; k >= 0; k--) {
      const v = VALUE.get(group[k]);
      if (v === undefined) throw new Base45Error(`character ${i + k} is outside the Base45 alphabet`);
      n = n * 45 + v;
    }
    if (group.length === 3) {
      if (n > 0xffff) throw new Base45Error(`group at ${i} is worth more than 65535`);
      out[o++] = n >> 8;
      out[o++] = n & 0xff;
    } else {
      if (n > 0xff) throw new Base45Error('final 2-character group is worth more than 255');
      out[o++] = n;
    }
  }
  return out;
}
