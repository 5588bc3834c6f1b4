#!/usr/bin/env node
// The interop test's verifier of cityid card payloads: the checks are the browser's
// (web/common/card/, the module the /verify page runs, written from docs/card-format.md §1-§9),
// so the one JavaScript implementation of the checks is the one the interop test holds against
// `cityid verify`. This file adds the command line and the JSON answer the test reads.
//
//   node verify.mjs --keys KEYS.json [--status LIST.json ...] [--now UNIX_SECONDS]
//                   (--file QR.txt | PAYLOAD | -)
//
// Prints one JSON object {verdict, reason, failed_check?, claims?} and exits 0 only for a valid
// card (10 invalid, 11 revoked, 12 expired, as `cityid verify`; 2 for a usage error).
// Beyond what a verifier needs, it also holds cityid to what the document says cityid emits
// (preferred serialization, ascending map keys, the 13-byte protected header: lib/conformance.mjs),
// so that an encoder drifting from the document fails this check.
import { verifyCard as verifyWithWebModule } from '../../web/common/card/card.js';
import { CheckError } from '../../web/common/card/keys.js';
import { runVerifierCli } from './lib/cli.mjs';
import { checkEmittedCard } from './lib/conformance.mjs';

// The web module's card claims in verify.mjs's "claims" shape (encode.mjs writes claims.json in
// it): photo as its size and format, the status reference, times as numbers and RFC 3339.
function claimsOf(r, emitted) {
  const { photo, photo_format: photoFormat, photo_type: _type, ...c } = r.claims;
  const claims = { ...c };
  if (photo) { claims.photo_bytes = photo.length; claims.photo_format = photoFormat; }
  claims.status_list = r.statusRef;
  claims.digest_keys = emitted.digestKeys;
  claims.unknown_keys = emitted.unknownKeys;
  claims.iat = r.issuedAt;
  claims.exp = r.expiresAt;
  if (emitted.nbf !== undefined) { claims.nbf = emitted.nbf; claims.not_before = new Date(emitted.nbf * 1000).toISOString().replace('.000Z', 'Z'); }
  claims.key_id = r.keyId;
  return claims;
}

/** The whole of §8. Returns {verdict, reason, failed_check?, claims?}. */
export function verifyCard(text, keySet, now, lists) {
  try {
    if (text.length === 0) throw new CheckError('bad-base45', 'empty payload');
    const r = verifyWithWebModule(text, keySet, now, lists);
    const claims = claimsOf(r, checkEmittedCard(text));
    if (r.verdict === 'expired') return { verdict: 'expired', reason: r.detail, claims };
    if (r.verdict === 'revoked') {
      return { verdict: 'revoked', reason: `bit ${r.statusRef.index} of status list ${r.list.id} is set`, claims };
    }
    claims.revocation = r.list ? `checked against status list ${r.list.id}` : 'not checked (no status list given)';
    return { verdict: 'valid', reason: 'all checks passed', claims };
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    return { verdict: 'invalid', failed_check: e.check, reason: `${e.check}: ${e.message}` };
  }
}

runVerifierCli('verify.mjs', process.argv.slice(2), verifyCard);
