// One person record as a supervisor compares it (from POST /api/v1/persons/{id}/read): the
// photo, the name as written and its Latin spellings, the date of birth, the documents checked.
// The address is left out: a decision does not need it. Names are the applicant's own text:
// text nodes in <bdi dir="auto">, so a right-to-left name keeps its order in any page.
import { h } from '../common/dom.js';
import { formatDate, has, lang, locale, t } from '../common/i18n.js';

/**
 * The record's photo as a blob: URL (the caller revokes it when it forgets the record), or
 * null. The base64 text is dropped once decoded.
 */
export function photoUrl(record) {
  if (!record || typeof record.photo !== 'string' || !record.photo) return null;
  const type = record.photo_type === 'jpeg' ? 'image/jpeg' : 'image/png';
  let bytes;
  try {
    const bin = atob(record.photo);
    bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i += 1) bytes[i] = bin.charCodeAt(i);
  } catch {
    return null;
  }
  return URL.createObjectURL(new Blob([bytes], { type }));
}

function name(part) {
  return part ? h('bdi', { dir: 'auto' }, part) : '—';
}

function fullName(n) {
  const parts = [n?.given, n?.family].filter(Boolean);
  return parts.length ? h('bdi', { dir: 'auto' }, parts.join(' ')) : '—';
}

/** "17 May 1990" in the reader's language (the date is a calendar date: no time zone shift). */
function birthDate(iso) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || '')) return iso || '—';
  return formatDate(new Date(`${iso}T12:00:00Z`), { timeZone: 'UTC', weekday: undefined });
}

function languageName(tag) {
  if (!tag) return null;
  try {
    return new Intl.DisplayNames([locale()], { type: 'language' }).of(tag) || tag;
  } catch {
    return tag;
  }
}

function documentName(policy, type) {
  const doc = (policy?.documents || []).find((d) => d.id === type);
  return (doc?.names && (doc.names[lang()] || doc.names.en)) || type;
}

function row(label, value) {
  return h('div', { class: 'record-row' }, h('dt', {}, label), h('dd', {}, value));
}

/** The record's facts as a <dl>; `photo` is its blob: URL or null. */
export function recordDetails(record, { ref, photo, policy }) {
  const docs = record.evaluation?.documents || [];
  const genderKey = `staff_decide.review.genders.${record.gender}`;
  const gender = record.gender ? (has(genderKey) ? t(genderKey) : record.gender) : null;
  return h(
    'dl',
    { class: 'record' },
    row(
      t('staff_decide.review.photo'),
      photo
        ? h('img', { class: 'record-photo', src: photo, alt: t('staff_decide.review.photoAlt', { ref }) })
        : t('staff_decide.review.noPhoto'),
    ),
    row(
      t('staff_decide.review.legalName'),
      h(
        'span',
        { class: 'name-parts' },
        h('span', {}, h('span', { class: 'part-label' }, t('staff_decide.review.given')), ' ', name(record.legal_name?.given)),
        h('span', {}, h('span', { class: 'part-label' }, t('staff_decide.review.family')), ' ', name(record.legal_name?.family)),
      ),
    ),
    row(t('staff_decide.review.latinName'), fullName(record.latin_name)),
    row(t('staff_decide.review.asciiName'), fullName(record.ascii_name)),
    record.preferred_name ? row(t('staff_decide.review.preferredName'), name(record.preferred_name)) : null,
    row(
      t('staff_decide.review.dob'),
      h('span', {}, birthDate(record.date_of_birth), ' ', h('span', { class: 'iso', dir: 'ltr' }, `(${record.date_of_birth})`)),
    ),
    gender ? row(t('staff_decide.review.gender'), gender) : null,
    record.language ? row(t('staff_decide.review.language'), languageName(record.language)) : null,
    row(
      t('staff_decide.review.documents'),
      docs.length
        ? h(
            'ul',
            { class: 'record-docs' },
            docs.map((d) =>
              h(
                'li',
                {},
                documentName(policy, d.type),
                ' — ',
                d.accepted ? t('staff_decide.review.accepted') : t('staff_decide.review.notAccepted'),
              ),
            ),
          )
        : t('staff_decide.review.none'),
    ),
  );
}

/** Plain sentences on what two records share (never colour alone). */
export function comparison(a, b) {
  const ascii = (r) => `${r.ascii_name?.given || ''} ${r.ascii_name?.family || ''}`.trim().toLowerCase();
  return [
    a.date_of_birth === b.date_of_birth ? t('staff_decide.review.sameDob') : t('staff_decide.review.differentDob'),
    ascii(a) === ascii(b) ? t('staff_decide.review.sameLatin') : t('staff_decide.review.differentLatin'),
  ];
}
