// Every message exists in every shipped language, with the same placeholders and plural forms
// a reader of that language needs (WEB.md: a test fails when a key is missing in any language).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { REPO } from './harness.mjs';

const LANGUAGES = ['en', 'es', 'zh', 'ar'];
const DIR = path.join(REPO, 'web/messages');

function flatten(obj, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    // A plural message is an object of CLDR forms; it counts as one key.
    const forms = ['zero', 'one', 'two', 'few', 'many', 'other'];
    if (v && typeof v === 'object' && Object.keys(v).every((f) => forms.includes(f))) out[key] = v;
    else if (v && typeof v === 'object') flatten(v, key, out);
    else out[key] = v;
  }
  return out;
}

function load(lang) {
  const merged = {};
  for (const f of fs.readdirSync(path.join(DIR, lang)).filter((n) => n.endsWith('.json')).sort()) {
    merged[f.slice(0, -5)] = JSON.parse(fs.readFileSync(path.join(DIR, lang, f), 'utf8'));
  }
  return flatten(merged);
}

function placeholders(v) {
  const texts = typeof v === 'string' ? [v] : Object.values(v);
  return [...new Set(texts.flatMap((s) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1])))].sort();
}

const messages = Object.fromEntries(LANGUAGES.map((l) => [l, load(l)]));

test('every language has the same message files', () => {
  const files = (l) => fs.readdirSync(path.join(DIR, l)).sort();
  for (const l of LANGUAGES) assert.deepEqual(files(l), files('en'), `web/messages/${l}`);
});

test('every key exists in every language, and no other', () => {
  const keys = Object.keys(messages.en).sort();
  assert.ok(keys.length > 10);
  for (const l of LANGUAGES) {
    const missing = keys.filter((k) => !(k in messages[l]));
    const extra = Object.keys(messages[l]).filter((k) => !(k in messages.en));
    assert.deepEqual(missing, [], `missing in ${l}`);
    assert.deepEqual(extra, [], `only in ${l}`);
  }
});

test('every message is non-empty text with the same placeholders as English', () => {
  for (const l of LANGUAGES) {
    for (const [k, v] of Object.entries(messages[l])) {
      const texts = typeof v === 'string' ? [v] : Object.values(v);
      assert.ok(texts.length > 0 && texts.every((s) => typeof s === 'string' && s.trim() !== ''), `${l}: ${k} is empty`);
      assert.deepEqual(placeholders(v), placeholders(messages.en[k]), `${l}: ${k} placeholders`);
    }
  }
});

test('plural messages have an "other" form in every language', () => {
  for (const l of LANGUAGES) {
    for (const [k, v] of Object.entries(messages[l])) {
      if (typeof v === 'object') assert.ok(typeof v.other === 'string', `${l}: ${k} needs "other"`);
    }
  }
});
