// The sign-in form: user name, password, and the TOTP code the role needs. `onSignedIn(session)`
// gets the POST /api/v1/sessions answer. The password and code are never kept: a failed try
// keeps only the user name.
import { api, problemSlug } from '../common/api.js';
import { h } from '../common/dom.js';
import { t } from '../common/i18n.js';

export function sentence(answer) {
  if (answer.network) return t('staff.errors.offline');
  switch (problemSlug(answer)) {
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
