// The city policy's document rule, evaluated in the browser: a port of Policy::Evaluate
// (src/policy/policy.cc) that answers exactly what POST /api/v1/policy/evaluate answers, so the
// applicant's checker never sends what they hold to the server.
//
// No DOM. Input: the GET /api/v1/policy JSON, the presented documents
// [{ type, issued?, expires?, has_number? }] (dates "YYYY-MM-DD") and today ("YYYY-MM-DD" or a
// Date, whose local calendar day is taken). Output: the server's evaluation JSON, field for field
// (satisfied, rule, identity_points, residency_points, identity_required, residency_required,
// has_photo_document, has_dob_document, documents[], missing[], suggestions[], missing_codes[],
// suggested[], suggested_for[]), plus for each document a machine-readable `reason_code` and
// `reason_params` that the checker turns into a sentence in the reader's language. The English
// sentences (missing, suggestions, reason) are kept only so that a test can compare the two
// engines word for word; the portal never shows them.
//
// tests/web/policy_eval.test.mjs compares this module with the server over both shipped
// policies. Keep the two in step: any change to Policy::Evaluate changes this file too.

const SUGGESTIONS_PER_GAP = 3;

// ---- dates ----

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Days since 1970-01-01 of a "YYYY-MM-DD" that is a real calendar date (years 1000..9999, as
// Date::Parse accepts), else null.
export function dayNumber(text) {
  if (typeof text !== 'string') return null;
  const m = DATE_RE.exec(text);
  if (!m) return null;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1000 || mo < 1 || mo > 12 || d < 1) return null;
  const ms = Date.UTC(y, mo - 1, d);
  const back = new Date(ms);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) {
    return null;
  }
  return Math.round(ms / 86400000);
}

// "YYYY-MM-DD" of a day number.
export function dayString(days) {
  const dt = new Date(days * 86400000);
  const y = String(dt.getUTCFullYear()).padStart(4, '0');
  const m = String(dt.getUTCMonth() + 1).padStart(2, '0');
  const d = String(dt.getUTCDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

// The local calendar day of a Date as "YYYY-MM-DD" (the applicant's today).
export function localDay(date = new Date()) {
  const y = String(date.getFullYear()).padStart(4, '0');
  const m = String(date.getMonth() + 1).padStart(2, '0');
  const d = String(date.getDate()).padStart(2, '0');
  return `${y}-${m}-${d}`;
}

// "YYYY-MM-DD" shifted by `n` days.
export function addDays(text, n) {
  const day = dayNumber(text);
  if (day === null) throw new RangeError(`not a date: ${text}`);
  return dayString(day + n);
}

// ---- sentences (English, as the server writes them) ----

function plural(n, what) {
  return `${n} ${what} point${n === 1 ? '' : 's'}`;
}

function pointsPhrase(identity, residency) {
  let out = '';
  if (identity > 0) out = plural(identity, 'identity');
  if (residency > 0) {
    if (out) out += ' and ';
    out += plural(residency, 'residency');
  }
  return out || 'no points';
}

function englishName(doc) {
  return (doc.names && doc.names.en) || doc.id;
}

function subject(doc) {
  let out = englishName(doc);
  const validity = doc.validity_text || '';
  if (validity) out += `, ${validity},`;
  return out;
}

// A presented type id is untrusted: echo it only when it looks like an id (QuoteType).
function quoteType(type) {
  const s = String(type);
  const bytes = new TextEncoder().encode(s);
  let printable = bytes.length > 0 && bytes.length <= 64;
  for (const b of bytes) {
    if (!(b > 0x20 && b < 0x7f && b !== 0x27)) printable = false;
  }
  return printable ? `'${s}'` : '(unprintable id)';
}

// ---- one document ----

// The validity of a catalogue entry as the engine reads it.
function validityOf(doc) {
  const v = doc.validity || {};
  return {
    notExpired: v.not_expired === true,
    issuedWithin: Number.isInteger(v.issued_within_days) ? v.issued_within_days : null,
    expiredWithin: Number.isInteger(v.expired_within_days) ? v.expired_within_days : null,
    text: doc.validity_text || '',
  };
}

// CheckAgainst: null when accepted (with grace set when only expired_within_days let it in),
// else { code, params, message }.
function checkAgainst(type, presented, today) {
  const issued = presented.issued === undefined || presented.issued === null ? null : presented.issued;
  const expires = presented.expires === undefined || presented.expires === null ? null : presented.expires;
  const issuedDay = issued === null ? null : dayNumber(issued);
  const expiresDay = expires === null ? null : dayNumber(expires);
  if (issued !== null && issuedDay === null) {
    return { code: 'invalid_date', params: {}, message: 'issue date is not a calendar date' };
  }
  if (expires !== null && expiresDay === null) {
    return { code: 'invalid_date', params: {}, message: 'expiry date is not a calendar date' };
  }
  if (issued !== null && issuedDay > today) {
    return {
      code: 'invalid_date',
      params: { issued },
      message: `issue date ${issued} is in the future`,
    };
  }
  if (issued !== null && expires !== null && issuedDay > expiresDay) {
    return { code: 'invalid_date', params: {}, message: 'issue date is after the expiry date' };
  }
  if (type.requires_number && presented.has_number !== true) {
    return {
      code: 'number_missing',
      params: {},
      message: 'document number not recorded (this document type requires one)',
    };
  }
  const v = validityOf(type);
  if (v.issuedWithin !== null && issued === null) {
    return {
      code: 'issue_date_needed',
      params: {},
      message: `issue date required (must be ${v.text})`,
    };
  }
  if ((v.notExpired || v.expiredWithin !== null) && expires === null) {
    return {
      code: 'expiry_date_needed',
      params: {},
      message: `expiry date required (must be ${v.text})`,
    };
  }
  if (v.issuedWithin !== null && issuedDay < today - v.issuedWithin) {
    return {
      code: 'too_old',
      params: { issued, days: v.issuedWithin },
      message: `issued on ${issued}, more than ${v.issuedWithin} days ago`,
    };
  }
  if (v.notExpired && expiresDay < today) {
    return { code: 'expired', params: { expires }, message: `expired on ${expires}` };
  }
  let grace = false;
  if (v.expiredWithin !== null && expiresDay < today) {
    if (expiresDay < today - v.expiredWithin) {
      return {
        code: 'expired_too_long',
        params: { expires, days: v.expiredWithin },
        message: `expired on ${expires}, more than ${v.expiredWithin} days ago`,
      };
    }
    grace = true;
  }
  return { ok: true, grace };
}

// ---- ranking (Rank in policy.cc) ----

function rank(catalogue, rejected, excluded, score, limit) {
  const candidates = [];
  catalogue.forEach((doc, order) => {
    if (excluded.has(doc.id)) return;
    const s = score(doc);
    if (s <= 0) return;
    candidates.push({ presented: rejected.has(doc.id) ? 1 : 0, score: s, order, doc });
  });
  candidates.sort((a, b) => {
    if (a.presented !== b.presented) return b.presented - a.presented;
    if (a.score !== b.score) return b.score - a.score;
    return a.order - b.order;
  });
  return candidates.slice(0, limit).map((c) => c.doc);
}

// ---- the rule ----

/**
 * Evaluates presented documents against the policy, as the server does.
 * @param {object} policy  the GET /api/v1/policy answer
 * @param {Array<{type: string, issued?: string, expires?: string, has_number?: boolean}>} presented
 * @param {string|Date} today  "YYYY-MM-DD", or a Date (its local calendar day)
 */
export function evaluate(policy, presented, today) {
  const todayText = today instanceof Date ? localDay(today) : today;
  const day = dayNumber(todayText);
  if (day === null) throw new RangeError(`today is not a date: ${todayText}`);
  const catalogue = policy.documents;
  const byId = new Map(catalogue.map((d) => [d.id, d]));
  const rule = policy.rule;
  const points = rule.kind === 'points';

  const ev = {
    satisfied: false,
    rule: '',
    identity_points: 0,
    residency_points: 0,
    identity_required: points ? rule.identity_min : 0,
    residency_required: rule.residency_min,
    has_photo_document: false,
    has_dob_document: false,
    documents: [],
    missing: [],
    suggestions: [],
    missing_codes: [],
    suggested: [],
    suggested_for: [],
  };

  // 1. Each document on its own.
  const types = [];
  for (const doc of presented) {
    const r = {
      type: doc.type,
      name: '',
      tier: '',
      accepted: false,
      reason: '',
      identity_points: 0,
      residency_points: 0,
      reason_code: '',
      reason_params: {},
    };
    ev.documents.push(r);
    const type = Object.prototype.hasOwnProperty.call(doc, 'type') ? byId.get(doc.type) : undefined;
    types.push(type || null);
    if (!type) {
      r.reason = `unknown document type ${quoteType(doc.type)}`;
      r.reason_code = 'unknown_type';
      continue;
    }
    r.name = englishName(type);
    if (type.tier && type.tier !== 'none') r.tier = type.tier;
    const check = checkAgainst(type, doc, day);
    if (!check.ok) {
      r.reason = check.message;
      r.reason_code = check.code;
      r.reason_params = check.params;
      continue;
    }
    r.accepted = true;
    r.identity_points =
      check.grace && Number.isInteger(type.expired_identity_points)
        ? type.expired_identity_points
        : type.identity_points;
    r.residency_points = type.residency_points;
  }

  // 2. The same type counts once: keep the accepted occurrence worth most (first on ties).
  const best = new Map();
  ev.documents.forEach((r, i) => {
    if (!r.accepted) return;
    const id = types[i].id;
    if (!best.has(id)) {
      best.set(id, i);
      return;
    }
    const kept = ev.documents[best.get(id)];
    if (r.identity_points + r.residency_points > kept.identity_points + kept.residency_points) {
      best.set(id, i);
    }
  });
  const counted = [];
  const countedIds = new Set();
  const rejectedIds = new Set();
  ev.documents.forEach((r, i) => {
    const type = types[i];
    if (!type) return;
    if (!r.accepted) {
      rejectedIds.add(type.id);
      return;
    }
    if (best.get(type.id) !== i) {
      r.accepted = false;
      r.identity_points = 0;
      r.residency_points = 0;
      r.reason = 'duplicate: another document of this type is already counted';
      r.reason_code = 'duplicate';
      return;
    }
    counted.push(type);
    countedIds.add(type.id);
    ev.identity_points += r.identity_points;
    ev.residency_points += r.residency_points;
    ev.has_photo_document = ev.has_photo_document || type.has_photo;
    ev.has_dob_document = ev.has_dob_document || type.has_dob;
  });
  for (const id of countedIds) rejectedIds.delete(id);

  // 3. The rule, what is missing, and what would close each gap.
  const suggestedIds = new Set(countedIds);
  let gapCode = '';
  const addMissing = (sentence, code, count) => {
    ev.missing.push(sentence);
    ev.missing_codes.push({ code, count });
    gapCode = code;
  };
  const suggest = (doc, sentence) => {
    suggestedIds.add(doc.id);
    ev.suggestions.push(sentence);
    ev.suggested.push(doc.id);
    ev.suggested_for.push(gapCode);
  };
  let identityOk = false;

  if (points) {
    ev.rule = 'points';
    const gap = rule.identity_min - ev.identity_points;
    const needPhoto = rule.require_photo && !ev.has_photo_document;
    const needDob = rule.require_dob && !ev.has_dob_document;
    identityOk = gap <= 0 && !needPhoto && !needDob;
    let photoCovered = false;
    let dobCovered = false;
    const pointsSuggestion = (d) => {
      const photo = needPhoto && d.has_photo;
      const dob = needDob && d.has_dob;
      photoCovered = photoCovered || photo;
      dobCovered = dobCovered || dob;
      let features = '';
      if (photo) features = ' has a photo';
      if (dob) features += photo ? ' and shows the date of birth' : ' shows the date of birth';
      features += features ? ', and would give ' : ' would give ';
      suggest(d, subject(d) + features + pointsPhrase(d.identity_points, d.residency_points));
    };
    if (gap > 0) {
      addMissing(`needs ${gap} more identity point${gap === 1 ? '' : 's'}`, 'identity_points', gap);
      const score = (d) => {
        if (d.identity_points <= 0) return 0;
        return (
          (d.identity_points >= gap ? 1000 : 0) +
          (needPhoto && d.has_photo ? 100 : 0) +
          (needDob && d.has_dob ? 100 : 0) +
          d.identity_points
        );
      };
      for (const d of rank(catalogue, rejectedIds, suggestedIds, score, SUGGESTIONS_PER_GAP)) {
        pointsSuggestion(d);
      }
    }
    if (needPhoto) {
      addMissing('needs an accepted document with a photo', 'photo', 1);
      const score = (d) => (d.has_photo ? 1 + d.identity_points + (needDob && d.has_dob ? 100 : 0) : 0);
      if (!photoCovered) {
        for (const d of rank(catalogue, rejectedIds, suggestedIds, score, SUGGESTIONS_PER_GAP)) {
          pointsSuggestion(d);
        }
      }
    }
    if (needDob) {
      addMissing('needs an accepted document showing the date of birth', 'dob', 1);
      const score = (d) => (d.has_dob ? 1 + d.identity_points : 0);
      if (!dobCovered) {
        for (const d of rank(catalogue, rejectedIds, suggestedIds, score, SUGGESTIONS_PER_GAP)) {
          pointsSuggestion(d);
        }
      }
    }
  } else {
    let primaries = 0;
    let secondaries = 0;
    let secondaryPhoto = false;
    let secondaryDob = false;
    for (const d of counted) {
      if (d.tier === 'primary') primaries += 1;
      if (d.tier === 'secondary') {
        secondaries += 1;
        secondaryPhoto = secondaryPhoto || d.has_photo;
        secondaryDob = secondaryDob || d.has_dob;
      }
    }
    const needPhoto = rule.secondary_require_photo && !secondaryPhoto;
    const needDob = rule.secondary_require_dob && !secondaryDob;
    const secondaryGap = Math.max(0, rule.secondary_min - secondaries);
    const secondaryOk = secondaryGap === 0 && !needPhoto && !needDob;
    identityOk = primaries > 0 || secondaryOk;
    const nSecondary = rule.secondary_min === 2 ? 'two' : String(rule.secondary_min);
    if (primaries > 0) {
      ev.rule = 'list: one primary';
    } else if (secondaryOk) {
      ev.rule = `list: ${nSecondary} secondary`;
    } else {
      ev.rule = 'list';
      const identityFirst = ev.missing_codes.length;
      let conditions = '';
      if (rule.secondary_require_photo && rule.secondary_require_dob) {
        conditions = ' (at least one with a photo and one showing the date of birth)';
      } else if (rule.secondary_require_photo) {
        conditions = ' (at least one with a photo)';
      } else if (rule.secondary_require_dob) {
        conditions = ' (at least one showing the date of birth)';
      }
      if (secondaries === 0) {
        addMissing(
          `needs one primary identity document, or ${nSecondary} secondary identity documents${conditions}`,
          'identity_document',
          rule.secondary_min,
        );
      } else {
        if (secondaryGap > 0) {
          addMissing(
            `needs one primary identity document, or ${secondaryGap} more secondary identity document${
              secondaryGap === 1 ? '' : 's'
            }`,
            'secondary_documents',
            secondaryGap,
          );
        }
        if (needPhoto) {
          addMissing('needs a secondary identity document with a photo', 'secondary_photo', 1);
        }
        if (needDob) {
          addMissing('needs a secondary identity document showing the date of birth', 'secondary_dob', 1);
        }
      }
      gapCode = ev.missing_codes[identityFirst].code;
      const primaryScore = (d) => (d.tier === 'primary' ? 1 : 0);
      for (const d of rank(catalogue, rejectedIds, suggestedIds, primaryScore, SUGGESTIONS_PER_GAP)) {
        suggest(d, `${subject(d)} would prove identity on its own`);
      }
      if (secondaries > 0) {
        const secondaryScore = (d) => {
          if (d.tier !== 'secondary') return 0;
          const fills = (needPhoto && d.has_photo ? 10 : 0) + (needDob && d.has_dob ? 10 : 0);
          if ((needPhoto || needDob) && fills === 0) return 0;
          return 1 + fills;
        };
        for (const d of rank(catalogue, rejectedIds, suggestedIds, secondaryScore, SUGGESTIONS_PER_GAP)) {
          let withText = '';
          if (needPhoto && d.has_photo) withText = ' with a photo';
          if (needDob && d.has_dob) {
            withText += withText ? ' and the date of birth' : ' showing the date of birth';
          }
          suggest(d, `${subject(d)} would count as another secondary identity document${withText}`);
        }
      }
    }
  }

  const residencyGap = rule.residency_min - ev.residency_points;
  if (residencyGap > 0) {
    addMissing(
      `needs ${residencyGap} more residency point${residencyGap === 1 ? '' : 's'}`,
      'residency_points',
      residencyGap,
    );
    const score = (d) => {
      if (d.residency_points <= 0) return 0;
      return (d.residency_points >= residencyGap ? 100 : 0) + d.residency_points;
    };
    for (const d of rank(catalogue, rejectedIds, suggestedIds, score, SUGGESTIONS_PER_GAP)) {
      const identity = points ? d.identity_points : 0;
      suggest(d, `${subject(d)} would give ${pointsPhrase(identity, d.residency_points)}`);
    }
  }
  ev.satisfied = identityOk && residencyGap <= 0;
  return ev;
}

// ---- from the applicant's answers to dates ----

// What the checker asks about a document, from its validity: a list of questions, each with the
// answers it offers. The answers turn into dates (relative to today) for evaluate().
//   { kind: 'expired', days: null }          "Has it expired?" yes / no
//   { kind: 'expired', days: N }             "Has it expired?" no / less than N days ago / longer
//   { kind: 'issued', days: N }              "Is it dated within the last N days?" yes / no
export function questionsFor(doc) {
  const v = validityOf(doc);
  const out = [];
  if (v.issuedWithin !== null) out.push({ kind: 'issued', days: v.issuedWithin });
  if (v.notExpired) out.push({ kind: 'expired', days: null });
  if (v.expiredWithin !== null) out.push({ kind: 'expired', days: v.expiredWithin });
  return out;
}

// The answers a question offers, the first being the one assumed until the applicant says
// otherwise (the usual case: a document still valid).
export function answersFor(question) {
  if (question.kind === 'issued') return ['recent', 'old'];
  if (question.days === null) return ['valid', 'expired'];
  return ['valid', 'recently_expired', 'long_expired'];
}

/**
 * A presented document built from the applicant's answers: dates that satisfy or fail each
 * question exactly as the answer says. `answers` maps a question kind ('issued', 'expired') to
 * one of answersFor(question).
 */
export function presentedFrom(doc, answers, today) {
  const todayText = today instanceof Date ? localDay(today) : today;
  const out = { type: doc.id, has_number: true };
  for (const q of questionsFor(doc)) {
    const answer = answers[q.kind] || answersFor(q)[0];
    if (q.kind === 'issued') {
      out.issued = answer === 'old' ? addDays(todayText, -(q.days + 1)) : todayText;
    } else if (answer === 'expired' || answer === 'recently_expired') {
      out.expires = addDays(todayText, -1);
    } else if (answer === 'long_expired') {
      out.expires = addDays(todayText, -((q.days || 0) + 1));
    } else {
      out.expires = addDays(todayText, 365);
    }
  }
  // An expiry must not precede the issue date: a bill dated today that has also expired cannot
  // be both, so an expired document with an issue question is dated the day it expired.
  if (out.issued && out.expires && out.issued > out.expires) out.issued = out.expires;
  return out;
}
