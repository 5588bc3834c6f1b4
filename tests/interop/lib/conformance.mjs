// What docs/card-format.md says cityid EMITS, beyond what a verifier must accept: RFC 8949
// preferred serialization of every signed part, the documented key order (§4, §5 "ascending key
// order", §10.3 "in this order"), the 13-byte protected header A2 01 27 04 48 <kid> (§3). The
// browser's verifier (web/common/card/) rightly accepts a card that breaks these; the interop
// test holds cityid to them, so an encoder drifting from the document fails there.
//
// Run only on a payload the web module has verified (its signature is good), to read back what
// the verifier's answer does not carry: the digest map's keys, unknown attribute keys, nbf.
// Decoded independently with cbor2 (format.mjs decodeStrict). Throws CheckError.
import { decodeBase45 } from '../../../web/common/card/base45.js';
import { inflateZlib } from '../../../web/common/card/inflate.js';
import { fail } from '../../../web/common/card/keys.js';
import {
  ALG_EDDSA, assertAscending, C169, COSE_ALG, COSE_KID, CWT, decodeStrict, encodeCbor, TAG_COSE_SIGN1, TAG_CWT,
} from './format.mjs';

const bad = (message) => fail('bad-claims', message);

// §3: the COSE_Sign1 in preferred serialization, its protected bucket the documented 13 bytes.
function emittedSign1(cose) {
  const { value } = decodeStrict(cose, {
    maxDepth: 4, maxItems: 256, what: 'COSE_Sign1', topTags: [[TAG_COSE_SIGN1], [TAG_CWT, TAG_COSE_SIGN1]],
  });
  const [protectedBytes, unprotected, payload] = value;
  const { value: prot } = decodeStrict(protectedBytes, { maxDepth: 4, maxItems: 256, what: 'protected header' });
  const labels = [...prot.keys()];
  if (protectedBytes.length !== 13 || labels.length !== 2 || labels[0] !== COSE_ALG || labels[1] !== COSE_KID || prot.get(COSE_ALG) !== ALG_EDDSA) {
    fail('bad-cose', 'protected header is not the documented 13-byte {1: -8, 4: kid}');
  }
  return { unprotected, payload };
}

/** A card's QR text (already verified) → {digestKeys, unknownKeys, nbf?}. */
export function checkEmittedCard(text) {
  const { payload } = emittedSign1(inflateZlib(decodeBase45(text), 16 * 1024));
  const { value: cwt } = decodeStrict(payload, { maxDepth: 4, maxItems: 1024, what: 'CWT claims' });
  assertAscending(cwt, 'CWT claims');
  const id = cwt.get(CWT.identity);
  assertAscending(id, 'claim 169');
  const digestKeys = [...id.get(C169.digests).keys()].map(Number);
  const known = new Set(Object.values(C169));
  const unknownKeys = [...id.keys()].map(Number).filter((k) => !known.has(k));
  const nbf = cwt.get(CWT.nbf);
  return { digestKeys, unknownKeys, ...(nbf !== undefined ? { nbf: Number(nbf) } : {}) };
}

// RFC 8949 §4.2.1 core deterministic order of map keys: bytewise lexicographic order of their
// encodings (for integers: 0, 1, ..., then -1, -2, ...).
const keyOrder = (a, b) => Buffer.compare(Buffer.from(encodeCbor(a)), Buffer.from(encodeCbor(b)));

/** A presentation's text (already verified) → {digestKeys, nbf?}. */
export function checkEmittedPresentation(text, { prefix, claimLabel, disclosuresLabel }) {
  const { unprotected, payload } = emittedSign1(decodeBase45(text.slice(prefix.length)));
  let cwt;
  try {
    ({ value: cwt } = decodeStrict(payload, { maxDepth: 4, maxItems: 1024, what: 'payload' }));
    decodeStrict(unprotected.get(disclosuresLabel), { maxDepth: 1, maxItems: 17, what: 'disclosure list' });
  } catch (e) {
    bad(e.message);  // §10.5 steps 4, 5: a CBOR failure in the payload or disclosures is bad-claims
  }
  // §10.3 "a CBOR map, in this order" (1, 4, 6, -65537), generalised to RFC 8949 §4.2.1 order.
  const keys = [...cwt.keys()];
  for (let i = 1; i < keys.length; i++) if (keyOrder(keys[i - 1], keys[i]) >= 0) bad('CWT claims not in the documented order');
  const p = cwt.get(claimLabel);
  const pk = [...p.keys()];
  if (pk.length !== 2 || pk[0] !== C169.statusRef) bad('presentation claim keys not 98 then 99');
  const digests = p.get(C169.digests);
  assertAscending(digests, 'digest map');  // §10.3 "ascending keys"
  const nbf = cwt.get(CWT.nbf);
  return { digestKeys: [...digests.keys()].map(Number), ...(nbf !== undefined ? { nbf: Number(nbf) } : {}) };
}
