// The sign-in form: user name, password, and the TOTP code the role needs. `onSignedIn(session)`
// gets the POST /api/v1/sessions answer. The password and code are never kept: a failed try
// keeps only the user name.
//
// First sign-in of an account whose TOTP is not set up yet (made in the console, or reset by an
// administrator): the server answers totp-enrollment-required with a new secret (its QR code,
// the otpauth:// URI and the key as text). The page shows them, once, with the password and
// code fields; a code of that secret confirms it and signs in. The secret is held only in
// `state.enrol` (memory) until then, and dropped on success, on Cancel and on sign-out; a new
// try without a code gets a new secret from the server, and the old one stops counting.
import { api, problemSlug } from '../common/api.js';
import { h } from '../common/dom.js';
import { t } from '../common/i18n.js';

export function sentence(answer) {
  if (answer.network) return t('staff.errors.offline');
  switch (problemSlug(answer)) {
    case 'totp-enrollment-required':
      return t('staff_admin.enrol.needed');
    case 'invalid-credentials':
      return t('staff.errors.invalid');
    case 'totp-required':
      return t('staff.errors.totpRequired');
    case 'login-rate-limited': {
      const minutes = Math.max(1, Math.ceil((answer.retryAfter || 60) / 60));
      return t('staff.errors.rateLimited', { minutes, count: minutes });
    }
    default:
      return answer.status >= 500 ? t('staff.errors.server') : t('staff.errors.invalid');
  }
}

export function field({ id, label, hint, type = 'text', autocomplete, inputmode, value = '' }) {
  const hintId = hint ? `${id}-hint` : undefined;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    h('input', {
      id,
      name: id,
      type,
      autocomplete,
      inputmode,
      value,
      spellcheck: 'false',
      autocapitalize: 'off',
      'aria-describedby': hintId,
    }),
  );
}

/**
 * The sign-in view's nodes. `state` holds { user, error, signedOut, ended } (the page's);
 * `rerender(focus)` redraws after a failed try; `onSignedIn(session)` takes over on success.
 */
export function signInView(state, { rerender, onSignedIn }) {
  if (state.enrol) return enrolView(state, { rerender, onSignedIn });
  const form = h(
    'form',
    { novalidate: true },
    field({ id: 'user', label: t('staff.signin.user'), autocomplete: 'username', value: state.user }),
    field({ id: 'password', label: t('staff.signin.password'), type: 'password', autocomplete: 'current-password' }),
    field({
      id: 'totp',
      label: t('staff.signin.totp'),
      hint: t('staff.signin.totpHint'),
      autocomplete: 'one-time-code',
      inputmode: 'numeric',
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('staff.signin.submit'))),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const user = form.elements.user.value.trim();
    const body = { user, password: form.elements.password.value };
    const code = form.elements.totp.value.replace(/\s+/g, '');
    if (code) body.totp = code;
    state.user = user;
    const answer = await api('/api/v1/sessions', { method: 'POST', body });
    if (answer.ok) {
      onSignedIn(answer.data);
      return;
    }
    if (takeEnrolment(state, answer)) {
      rerender('heading');
      return;
    }
    state.error = sentence(answer);
    rerender('summary');
  });
  return [
    h('h1', { id: 'staff-heading', tabindex: '-1' }, t('staff.signin.heading')),
    state.signedOut ? h('p', { class: 'notice ok', role: 'status' }, t('staff.signedOut')) : null,
    state.ended ? h('p', { class: 'notice warn', id: 'session-ended' }, t(`staff.ended.${state.ended}`)) : null,
    state.error
      ? h(
          'div',
          { class: 'error-summary', role: 'alert', tabindex: '-1', id: 'staff-error' },
          h('h2', {}, t('staff.errors.summary')),
          h('p', {}, state.error),
        )
      : null,
    h('p', {}, t('staff.signin.intro')),
    form,
  ];
}

// ---- TOTP enrolment at the first sign-in ----

/** Keeps the new secret of a totp-enrollment-required answer in `state.enrol`; false otherwise. */
function takeEnrolment(state, answer) {
  const p = answer.problem;
  if (problemSlug(answer) !== 'totp-enrollment-required' || !p || typeof p.otpauth_secret !== 'string') return false;
  state.enrol = { secret: p.otpauth_secret, uri: p.otpauth_uri || '', svg: p.otpauth_qr_svg || '' };
  state.error = null;
  return true;
}

/** "JBSW Y3DP EHPK 3PXP": the key in groups of four, easier to copy by hand. */
export function groupKey(secret) {
  return secret.replace(/\s+/g, '').replace(/(.{4})(?=.)/g, '$1 ');
}

function enrolView(state, { rerender, onSignedIn }) {
  const enrol = state.enrol;
  const form = h(
    'form',
    { novalidate: true, id: 'enrol-form' },
    field({ id: 'password', label: t('staff.signin.password'), type: 'password', autocomplete: 'current-password' }),
    field({
      id: 'totp',
      label: t('staff_admin.enrol.code'),
      hint: t('staff_admin.enrol.codeHint'),
      autocomplete: 'one-time-code',
      inputmode: 'numeric',
    }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', id: 'enrol-submit' }, t('staff_admin.enrol.submit')),
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          id: 'enrol-cancel',
          onClick: () => {
            state.enrol = null;
            state.error = null;
            rerender('heading');
          },
        },
        t('staff_admin.enrol.cancel'),
      ),
    ),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const code = form.elements.totp.value.replace(/\s+/g, '');
    const body = { user: state.user, password: form.elements.password.value };
    if (code) body.totp = code;
    const answer = await api('/api/v1/sessions', { method: 'POST', body });
    if (answer.ok) {
      state.enrol = null;
      onSignedIn(answer.data);
      return;
    }
    if (takeEnrolment(state, answer)) {
      // No code was given: the server made a new secret, and the one shown before is void.
      state.error = t('staff_admin.enrol.replaced');
      rerender('summary');
      return;
    }
    state.error = problemSlug(answer) === 'invalid-credentials' ? t('staff_admin.enrol.wrong') : sentence(answer);
    rerender('summary');
  });
  const qr = enrol.svg
    ? h('img', {
        class: 'enrol-qr',
        id: 'enrol-qr',
        width: 240,
        height: 240,
        alt: t('staff_admin.enrol.qrAlt'),
        src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrol.svg)}`,
      })
    : null;
  return [
    h('h1', { id: 'staff-heading', tabindex: '-1' }, t('staff_admin.enrol.heading')),
    state.error
      ? h(
          'div',
          { class: 'error-summary', role: 'alert', tabindex: '-1', id: 'staff-error' },
          h('h2', {}, t('staff.errors.summary')),
          h('p', {}, state.error),
        )
      : null,
    h('p', {}, t('staff_admin.enrol.intro', { user: state.user })),
    h('p', { class: 'notice warn', id: 'enrol-once' }, t('staff_admin.enrol.once')),
    h(
      'ol',
      { class: 'enrol-steps' },
      h('li', {}, t('staff_admin.enrol.step1')),
      h(
        'li',
        {},
        t('staff_admin.enrol.step2'),
        h('div', { class: 'enrol-qr-box' }, qr),
        h('p', { class: 'enrol-key-label' }, t('staff_admin.enrol.key')),
        h('p', {}, h('code', { class: 'enrol-key', id: 'enrol-key', dir: 'ltr', translate: 'no' }, groupKey(enrol.secret))),
      ),
      h('li', {}, t('staff_admin.enrol.step3')),
    ),
    form,
  ];
}
