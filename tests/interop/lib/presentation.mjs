// cityid presentations (selective disclosure, docs/card-format.md §10). Verifying is the browser's
// module (web/common/card/presentation.js, the checks the /verify page runs); this file turns its
// answer into the JSON verify_presentation.mjs prints (§10.4 names and types), adds the emitter
// check (lib/conformance.mjs), and BUILDS presentations from the document alone (cbor2,
// node:crypto) for selftest.mjs, to check that verifier against §10.6's worked example.
//
//   "CP1:" || Base45( 18([ protected, {-65537: bstr .cbor [+ bstr .cbor [key, salt, value]]},
//                         payload, signature ]) )
//   payload = {1: iss, 4: exp (the card's), 6: iat, -65537: {98: [list id, index], 99: {k => digest}}}
import { Tag } from 'cbor2';

import { encodeBase45 } from '../../../web/common/card/base45.js';
import { cborHead } from '../../../web/common/card/cbor.js';
import { CheckError } from '../../../web/common/card/keys.js';
import { verifyPresentation as verifyWithWebModule } from '../../../web/common/card/presentation.js';
import { checkEmittedPresentation } from './conformance.mjs';
import {
  ALG_EDDSA, b64urlEncode, C169, concat, COSE_ALG, COSE_KID, CWT, ed25519, encodeCbor, keyIdFor, sha256,
  sigStructure, TAG_COSE_SIGN1,
} from './format.mjs';

// §10: prefix, private-use labels, derived claims.
export const PRESENTATION_PREFIX = 'CP1:';
export const CWT_PRESENTATION = -65537;    // §10.3, RFC 8392 §9.1 private use
export const COSE_DISCLOSURES = -65537;    // §10.2, RFC 9052 §11.1 private use
export const SALT_BYTES = 16, DIGEST_BYTES = 16;

export { cborHead };

/** §6/§10.2: SHA-256(salt || CBOR(key) || value)[0..16), `value` the bytes as received. */
export const disclosureDigest = (key, salt, valueBytes) => sha256(salt, cborHead(0, key), valueBytes).slice(0, DIGEST_BYTES);

/** §10.2: disclosure = [key, salt, value] with preferred head, key and salt; value bytes as is. */
export const disclosureBytes = (key, salt, valueBytes) => concat(Uint8Array.of(0x83), cborHead(0, key), cborHead(2, salt.length), salt, valueBytes);

const iso = (t) => new Date(Number(t) * 1000).toISOString().replace('.000Z', 'Z');
const GENDER_NUMBER = { M: 1, F: 2, X: 3 };

// The web module's disclosed claims under §10.4's names and types: name (its full_name),
// date_of_birth as YYYYMMDD, gender 1-3, photo base64url; photo_type is the page's, not §10.4's.
function disclosedOf(claims) {
  const out = {};
  for (const [name, v] of Object.entries(claims)) {
    if (name === 'full_name') out.name = v;
    else if (name === 'date_of_birth') out.date_of_birth = v.replaceAll('-', '');
    else if (name === 'gender') out.gender = GENDER_NUMBER[v];
    else if (name === 'photo') out.photo = b64urlEncode(v);
    else if (name !== 'photo_type') out[name] = v;
  }
  return out;
}

/**
 * Verifies a presentation's text. `lists` are status lists already checked with
 * verifyStatusList. Returns {verdict, reason, failed_check?, disclosed?, presentation?}:
 * `disclosed` maps §10.4 names to the values as §10.4 types them (date_of_birth the YYYYMMDD text,
 * gender 1-3, photo base64url, age_over_N booleans), present for valid, expired and revoked.
 */
export function verifyPresentation(text, keySet, now, lists) {
  try {
    const r = verifyWithWebModule(text, keySet, now, lists);
    const emitted = checkEmittedPresentation(text, {
      prefix: PRESENTATION_PREFIX, claimLabel: CWT_PRESENTATION, disclosuresLabel: COSE_DISCLOSURES,
    });
    const disclosed = disclosedOf(r.claims);
    const presentation = {
      issuer: r.issuer, key_id: r.keyId, iat: r.issuedAt, exp: r.expiresAt, presented_at: r.presentedAt,
      expires_at: iso(r.expiresAt), ...(emitted.nbf !== undefined ? { nbf: emitted.nbf } : {}),
      status_list: r.statusRef, digest_keys: emitted.digestKeys,
    };
    if (r.verdict === 'expired') return { verdict: 'expired', reason: 'exp (the card\'s expiry) has passed', disclosed, presentation };
    if (r.verdict === 'revoked') {
      return { verdict: 'revoked', reason: `bit ${r.statusRef.index} of status list ${r.list.id} is set`, disclosed, presentation };
    }
    presentation.revocation = r.list ? `checked against status list ${r.list.id}` : 'not checked (no status list given)';
    return { verdict: 'valid', reason: 'all checks passed', disclosed, presentation };
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    return { verdict: 'invalid', failed_check: e.check, reason: `${e.check}: ${e.message}` };
  }
}

// ---- building (selftest only): a presentation exactly as §10.2/§10.3 lay it out ----------------

/**
 * {qr, cose, payload, protectedBytes, disclosures} for `card` = {issuer, exp, listId, index,
 * digests: Map(key -> 16 bytes)}, disclosing `items` = [{key, salt, valueBytes}] (their digests
 * are added to the map when absent, as for derived claims). Options let tests break one thing.
 */
export function buildPresentation(card, items, secretKey, iat, { disclosureList, unprotected } = {}) {
  const digests = new Map(card.digests);
  for (const { key, salt, valueBytes } of items) if (!digests.has(key)) digests.set(key, disclosureDigest(key, salt, valueBytes));
  const sorted = new Map([...digests].sort(([a], [b]) => a - b));
  const payload = encodeCbor(new Map([
    [CWT.iss, card.issuer], [CWT.exp, card.exp], [CWT.iat, iat],
    [CWT_PRESENTATION, new Map([[C169.statusRef, [card.listId, card.index]], [C169.digests, sorted]])],
  ]));
  const publicKey = ed25519.getPublicKey(secretKey);
  const protectedBytes = encodeCbor(new Map([[COSE_ALG, ALG_EDDSA], [COSE_KID, keyIdFor(publicKey)]]));
  const signature = ed25519.sign(sigStructure(protectedBytes, payload), secretKey);
  const list = disclosureList ?? items.map(({ key, salt, valueBytes }) => disclosureBytes(key, salt, valueBytes));
  const header = unprotected ?? new Map([[COSE_DISCLOSURES, encodeCbor(list)]]);
  const cose = encodeCbor(new Tag(TAG_COSE_SIGN1, [protectedBytes, header, payload, signature]));
  return { qr: PRESENTATION_PREFIX + encodeBase45(cose), cose, payload, protectedBytes };
}
