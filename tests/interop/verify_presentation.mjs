#!/usr/bin/env node
// The interop test's verifier of cityid presentations (selective disclosure, "CP1:..."): the
// checks are the browser's (web/common/card/presentation.js, docs/card-format.md §10), reached
// through lib/presentation.mjs, which shapes the answer below.
//
//   node verify_presentation.mjs --keys KEYS.json [--status LIST.json ...] [--now UNIX_SECONDS]
//                                (--file QR.txt | PAYLOAD | -)
//
// Prints one JSON object {verdict, reason, failed_check?, disclosed?, presentation?} and exits 0
// only for a valid presentation (10 invalid, 11 revoked, 12 expired, as `cityid verify`; 2 for a
// usage error). `disclosed` holds exactly the disclosed attributes under their §10.4 names
// (card_number, name, date_of_birth as YYYYMMDD, gender 1-3, address, photo base64url and
// photo_format, age_over_18/21/65 booleans); `presentation` the signed metadata (issuer, key_id,
// iat/exp, status reference, the keys of the signed digest map).
// Like verify.mjs it also holds cityid to what the document says it emits (preferred
// serialization of the signed parts, the documented key order, the 13-byte protected header:
// lib/conformance.mjs).
import { runVerifierCli } from './lib/cli.mjs';
import { verifyPresentation } from './lib/presentation.mjs';

runVerifierCli('verify_presentation.mjs', process.argv.slice(2), verifyPresentation);
