// The command line both verifiers share (verify.mjs for cards, verify_presentation.mjs for
// presentations): the same options, output and exit codes as `cityid verify`.
//
//   node TOOL --keys KEYS.json [--status LIST.json ...] [--now UNIX_SECONDS] (--file QR.txt | PAYLOAD | -)
//
// Prints the verifier's JSON result and exits 0 valid, 10 invalid, 11 revoked, 12 expired,
// 2 for a usage error.
import { readFileSync } from 'node:fs';

import { CheckError, parseKeySet, verifyStatusList } from '../../../web/common/card/keys.js';

const EXIT = { valid: 0, invalid: 10, revoked: 11, expired: 12 };

// `verify(text, keySet, now, lists)` returns {verdict, ...} or throws CheckError.
export function runVerifierCli(tool, argv, verify) {
  const usage = (message) => {
    process.stderr.write(`${tool}: ${message}\n` +
      `usage: node ${tool} --keys KEYS.json [--status LIST.json ...] [--now UNIX_SECONDS] (--file QR.txt | PAYLOAD | -)\n`);
    process.exit(2);
  };
  const o = { status: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    if (a === '--keys') o.keys = next();
    else if (a === '--status') o.status.push(next());
    else if (a === '--now') o.now = next();
    else if (a === '--file') o.file = next();
    else if (a.startsWith('--')) usage(`unknown option ${a}`);
    else if (o.payload === undefined) o.payload = a;
    else usage('more than one payload given');
  }
  if (!o.keys) usage('--keys is required');
  if ((o.file === undefined) === (o.payload === undefined)) usage('give exactly one of --file FILE, PAYLOAD or -');
  let now = Math.floor(Date.now() / 1000);
  if (o.now !== undefined) {
    if (!/^\d+$/.test(o.now)) usage('--now must be Unix seconds');
    now = Number(o.now);
  }
  let keySet;
  try {
    keySet = parseKeySet(readFileSync(o.keys, 'utf8'));
  } catch (e) {
    usage(`--keys ${o.keys}: ${e.message}`);
  }
  let raw;
  try {
    raw = o.file !== undefined ? readFileSync(o.file, 'utf8') : o.payload === '-' ? readFileSync(0, 'utf8') : o.payload;
  } catch (e) {
    usage(`${o.file ?? 'stdin'}: ${e.message}`);
  }
  // Only line ends are trimmed: a space is a Base45 character (§1).
  const text = raw.replace(/[\r\n]+$/, '');

  let result;
  const lists = [];
  try {
    for (const path of o.status) lists.push(verifyStatusList(readFileSync(path, 'utf8'), keySet, now));
    result = verify(text, keySet, now, lists);
  } catch (e) {
    if (!(e instanceof CheckError)) throw e;
    result = { verdict: 'invalid', failed_check: e.check, reason: `status list: ${e.check}: ${e.message}` };
  }
  process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  process.exit(EXIT[result.verdict]);
}
