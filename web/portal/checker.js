// "What to bring": the city's documents, a checkbox for each, and a verdict that says in the
// reader's language whether the ticked documents are enough, what is missing and which documents
// would supply it. Computed here by policy_eval.js (the server's rule, ported and compared with
// it by tests/web/policy_eval.test.mjs): no request is sent while the applicant checks, and
// nothing they tick is kept.
//
// A document whose acceptance depends on a date gets a plain question instead of a date field
// ("Has it expired?", "Is it dated within the last 30 days?"); the answers become dates for the
// evaluator (presentedFrom). The sentences are built from the evaluator's structured result
// (missing_codes, suggested, reason_code) with t(), never by translating its English.
import { h, newId, replace } from '../common/dom.js';
import { lang, onLanguageChange, t } from '../common/i18n.js';
import { answersFor, evaluate, localDay, presentedFrom, questionsFor } from './policy_eval.js';

/** A document's name in the reader's language (English when the policy lacks one). */
function docName(doc) {
  return (doc.names && (doc.names[lang()] || doc.names.en)) || doc.id;
}

/** "30 days", "3 years": whole years when the policy's days are a multiple of 365. */
function period(days) {
  if (days >= 365 && days % 365 === 0) return t('checker.period.years', { count: days / 365 });
  return t('checker.period.days', { count: days });
}

function pointsText(identity, residency) {
  const parts = [];
  if (identity > 0) parts.push(t('checker.facts.identityPoints', { count: identity }));
  if (residency > 0) parts.push(t('checker.facts.residencyPoints', { count: residency }));
  if (parts.length === 2) return t('checker.gives.and', { a: parts[0], b: parts[1] });
  return parts[0] || '';
}

/** The short facts under a document's name: points, photo, date of birth, validity. */
function facts(doc, pointsRule) {
  const out = [];
  if (pointsRule) {
    const points = pointsText(doc.identity_points, doc.residency_points);
    if (points) out.push(points);
  }
  if (doc.has_photo) out.push(t('checker.facts.photo'));
  if (doc.has_dob) out.push(t('checker.facts.dob'));
  return out.concat(validityFacts(doc, pointsRule));
}

/** When the document is still good: "must not be expired", "must be dated within ...". */
function validityFacts(doc, pointsRule) {
  const out = [];
  const v = doc.validity || {};
  if (v.issued_within_days) out.push(t('checker.facts.issuedWithin', { period: period(v.issued_within_days) }));
  if (v.not_expired) out.push(t('checker.facts.notExpired'));
  if (v.expired_within_days) {
    const p = period(v.expired_within_days);
    if (pointsRule) {
      out.push(t('checker.facts.expiredWithin', { period: p, count: doc.expired_identity_points ?? doc.identity_points }));
    } else {
      out.push(t('checker.facts.expiredWithinNoPoints', { period: p }));
    }
  }
  return out;
}

/** The groups shown, in order: [{ key, title, docs }]. */
function groups(policy) {
  const docs = policy.documents;
  const pointsRule = policy.rule.kind === 'points';
  const pick = (fn) => docs.filter(fn);
  const out = [];
  if (pointsRule) {
    out.push({ key: 'identity', title: t('checker.group.identity'), docs: pick((d) => d.category === 'identity') });
    out.push({ key: 'residency', title: t('checker.group.residency'), docs: pick((d) => d.category === 'residency') });
    out.push({ key: 'both', title: t('checker.group.both'), docs: pick((d) => d.category === 'both') });
  } else {
    const n = policy.rule.secondary_min;
    out.push({ key: 'primary', title: t('checker.group.primary'), docs: pick((d) => d.category === 'identity' && d.tier === 'primary') });
    out.push({ key: 'secondary', title: t('checker.group.secondary', { count: n }), docs: pick((d) => d.category === 'identity' && d.tier === 'secondary') });
    out.push({ key: 'residency', title: t('checker.group.residencyList'), docs: pick((d) => d.category === 'residency') });
    out.push({ key: 'both', title: t('checker.group.both'), docs: pick((d) => d.category === 'both') });
  }
  return out.filter((g) => g.docs.length > 0);
}

/** What the rule needs, as a list of plain lines. */
function needs(policy) {
  const r = policy.rule;
  const out = [];
  if (r.kind === 'points') {
    if (r.identity_min > 0) out.push(t('checker.need.identityPoints', { count: r.identity_min }));
    if (r.residency_min > 0) out.push(t('checker.need.residencyPoints', { count: r.residency_min }));
    if (r.require_photo) out.push(t('checker.need.photo'));
    if (r.require_dob) out.push(t('checker.need.dob'));
  } else {
    out.push(t('checker.need.identityDocument', { count: r.secondary_min }));
    if (r.secondary_require_photo) out.push(t('checker.need.secondaryPhoto'));
    if (r.secondary_require_dob) out.push(t('checker.need.secondaryDob'));
    if (r.residency_min > 0) out.push(t('checker.need.residencyDocuments', { count: r.residency_min }));
  }
  return out;
}

/** One missing requirement in the reader's words. */
function missingText(m, pointsRule) {
  if (m.code === 'residency_points' && !pointsRule) return t('checker.missing.residency_document', { count: m.count });
  return t(`checker.missing.${m.code}`, { count: m.count });
}

/** What a suggested document would do for the applicant, and when it is still good. */
function givesText(doc, gap, pointsRule) {
  let what;
  if (pointsRule) {
    what = t('checker.gives.points', { points: pointsText(doc.identity_points, doc.residency_points) });
  } else if (gap === 'residency_points') {
    what = t('checker.gives.address');
  } else {
    what = doc.tier === 'primary' ? t('checker.gives.primary') : t('checker.gives.secondary');
  }
  const validity = validityFacts(doc, pointsRule);
  return validity.length ? t('checker.gives.withValidity', { what, validity: validity.join(' · ') }) : what;
}

/** Why a ticked document does not count, in the reader's words. */
function reasonText(r) {
  const p = r.reason_params || {};
  switch (r.reason_code) {
    case 'expired':
      return t('checker.reason.expired');
    case 'expired_too_long':
      return t('checker.reason.expired_too_long', { period: period(p.days) });
    case 'too_old':
      return t('checker.reason.too_old', { period: period(p.days) });
    case 'duplicate':
      return t('checker.reason.duplicate');
    default:
      return t('checker.reason.other');
  }
}

/** The labels of a question's answers. */
function answerLabel(question, answer) {
  switch (answer) {
    case 'recent':
      return t('checker.question.issuedRecent');
    case 'old':
      return t('checker.question.issuedOld');
    case 'valid':
      return t('checker.question.notExpired');
    case 'expired':
      return t('checker.question.expiredYes');
    case 'recently_expired':
      return t('checker.question.expiredRecently', { period: period(question.days) });
    case 'long_expired':
      return t('checker.question.expiredLongAgo', { period: period(question.days) });
    default:
      return answer;
  }
}

function questionLegend(question) {
  if (question.kind === 'issued') return t('checker.question.issued', { period: period(question.days) });
  return t('checker.question.expired');
}

// Element ids derive from the catalogue ids, so a re-render (language change) keeps focus.
const safeId = (id) => `chk-${String(id).replace(/[^a-z0-9_]/gi, '_')}`;

/**
 * Mounts the checker in `el`. `ctx.policy` is the GET /api/v1/policy answer; `ctx.today`
 * (optional, "YYYY-MM-DD" or a Date) fixes the day the dates are judged on (tests).
 */
export function mountChecker(el, ctx) {
  const policy = ctx.policy;
  const pointsRule = policy.rule.kind === 'points';
  // What the applicant ticked and answered, kept only in this page's memory:
  // id -> { ticked, answers: { issued?, expired? } }.
  const state = new Map(policy.documents.map((d) => [d.id, { ticked: false, answers: {} }]));
  const today = () => ctx.today || localDay(new Date());
  let resultBox = null;
  let barText = null;
  let observer = null;

  const presented = () =>
    policy.documents.filter((d) => state.get(d.id).ticked).map((d) => presentedFrom(d, state.get(d.id).answers, today()));

  function renderResult() {
    const docs = presented();
    const ev = evaluate(policy, docs, today());
    const byId = new Map(policy.documents.map((d) => [d.id, d]));
    const parts = [];
    let verdict;
    let tone;
    if (docs.length === 0) {
      verdict = t('checker.result.none');
      tone = 'none';
    } else if (ev.satisfied) {
      verdict = t('checker.result.enough');
      tone = 'ok';
    } else {
      verdict = t('checker.result.notEnough');
      tone = 'bad';
    }
    parts.push(h('p', { class: `checker-verdict checker-verdict-${tone}`, 'data-verdict': tone }, verdict));
    if (docs.length > 0 && pointsRule) {
      parts.push(
        h(
          'ul',
          { class: 'checker-totals' },
          h('li', {}, t('checker.result.identityTotal', { have: ev.identity_points, need: ev.identity_required })),
          h('li', {}, t('checker.result.residencyTotal', { have: ev.residency_points, need: ev.residency_required })),
        ),
      );
    }
    const notCounted = ev.documents.filter((r) => !r.accepted && byId.has(r.type));
    if (notCounted.length > 0) {
      parts.push(h('h3', {}, t('checker.result.notCountedHeading')));
      parts.push(
        h(
          'ul',
          { class: 'checker-not-counted' },
          notCounted.map((r) => h('li', {}, t('checker.result.notCounted', { name: docName(byId.get(r.type)), reason: reasonText(r) }))),
        ),
      );
    }
    if (docs.length > 0 && !ev.satisfied) {
      parts.push(h('h3', {}, t('checker.result.missingHeading')));
      parts.push(h('ul', { class: 'checker-missing' }, ev.missing_codes.map((m) => h('li', {}, missingText(m, pointsRule)))));
    }
    if (docs.length > 0 && ev.suggested.length > 0) {
      parts.push(h('h3', {}, t('checker.result.helpHeading')));
      parts.push(
        h(
          'ul',
          { class: 'checker-suggestions' },
          ev.suggested.map((id, i) => {
            const doc = byId.get(id);
            return h(
              'li',
              { 'data-type': id },
              t('checker.gives.what', { name: docName(doc), what: givesText(doc, ev.suggested_for[i], pointsRule) }),
            );
          }),
        ),
      );
    }
    if (ev.satisfied) {
      parts.push(h('p', {}, t('checker.bringOriginals')));
      parts.push(h('p', {}, h('a', { href: '#book', class: 'button' }, t('checker.result.book'))));
    }
    replace(resultBox, ...parts);
    if (barText) {
      barText.textContent = verdict;
      barText.closest('.checker-bar').dataset.verdict = tone;
    }
  }

  function questionBlock(doc) {
    const s = state.get(doc.id);
    const qs = questionsFor(doc);
    if (qs.length === 0) return null;
    return h(
      'div',
      { class: 'checker-questions', id: `${safeId(doc.id)}-q`, hidden: !s.ticked },
      qs.map((q) => {
        const name = `${safeId(doc.id)}-${q.kind}`;
        const chosen = s.answers[q.kind] || answersFor(q)[0];
        return h(
          'fieldset',
          { class: 'checker-question' },
          h('legend', {}, questionLegend(q)),
          answersFor(q).map((a) => {
            const id = `${name}-${a}`;
            return h(
              'div',
              { class: 'choice' },
              h('input', {
                type: 'radio',
                id,
                name,
                value: a,
                checked: chosen === a,
                onChange: () => {
                  s.answers[q.kind] = a;
                  renderResult();
                },
              }),
              h('label', { for: id }, answerLabel(q, a)),
            );
          }),
        );
      }),
    );
  }

  function docItem(doc) {
    const s = state.get(doc.id);
    const id = safeId(doc.id);
    const hintId = `${id}-facts`;
    const factList = facts(doc, pointsRule);
    const box = h('input', {
      type: 'checkbox',
      id,
      name: 'documents',
      value: doc.id,
      checked: s.ticked,
      'aria-describedby': factList.length ? hintId : undefined,
      'aria-controls': questionsFor(doc).length ? `${id}-q` : undefined,
      onChange: (e) => {
        s.ticked = e.target.checked;
        const q = document.getElementById(`${id}-q`);
        if (q) q.hidden = !s.ticked;
        renderResult();
      },
    });
    return h(
      'li',
      { class: 'checker-doc', 'data-type': doc.id },
      h(
        'div',
        { class: 'choice' },
        box,
        h(
          'div',
          { class: 'checker-label' },
          h('label', { for: id }, docName(doc)),
          factList.length ? h('p', { class: 'hint checker-facts', id: hintId }, factList.join(' · ')) : null,
        ),
      ),
      questionBlock(doc),
    );
  }

  function render() {
    const focusedId = el.contains(document.activeElement) ? document.activeElement.id : null;
    resultBox = h('div', { class: 'checker-result-body', role: 'status', 'aria-live': 'polite' });
    barText = h('span', { class: 'checker-bar-text' });
    // On a phone the result is far below the first documents: a bar at the bottom of the screen
    // keeps the verdict in sight and takes the reader to the details. It hides itself while the
    // result is on screen.
    const bar = h(
      'div',
      { class: 'checker-bar no-print' },
      h('button', { type: 'button', class: 'checker-bar-button', onClick: jumpToResult }, barText, h('span', { class: 'checker-bar-link' }, t('checker.result.jump'))),
    );
    replace(
      el,
      h(
        'div',
        { class: 'checker' },
        h('p', { class: 'checker-intro' }, t('checker.intro')),
        h('h2', {}, t('checker.needHeading')),
        h('ul', { class: 'checker-needs' }, needs(policy).map((line) => h('li', {}, line))),
        h(
          'form',
          { class: 'checker-form', onSubmit: (e) => e.preventDefault(), 'aria-label': t('checker.needHeading') },
          groups(policy).map((g) => {
            const headingId = newId('chk-group');
            return h(
              'section',
              { class: 'checker-group', 'aria-labelledby': headingId, 'data-group': g.key },
              h('h2', { id: headingId }, g.title),
              h('ul', { class: 'checker-docs' }, g.docs.map(docItem)),
            );
          }),
        ),
        h(
          'section',
          { class: 'checker-result', id: 'checker-result', 'aria-labelledby': 'checker-result-title' },
          h('h2', { id: 'checker-result-title', tabindex: '-1' }, t('checker.result.heading')),
          resultBox,
        ),
        bar,
      ),
    );
    renderResult();
    if (focusedId) document.getElementById(focusedId)?.focus();
    if (observer) observer.disconnect();
    if (typeof IntersectionObserver === 'function') {
      observer = new IntersectionObserver((entries) => {
        for (const entry of entries) bar.hidden = entry.isIntersecting;
      });
      observer.observe(el.querySelector('.checker-result'));
    }
  }

  // The jump link moves focus to the result without putting anything in the URL.
  function jumpToResult(e) {
    e.preventDefault();
    const title = document.getElementById('checker-result-title');
    title.scrollIntoView({ block: 'start' });
    title.focus();
  }

  render();
  onLanguageChange(render);
}
