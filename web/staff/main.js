// The staff console (`/staff`), first slice: sign in (user name, password, the TOTP code the
// role needs), see who is signed in and when the session ends, sign out. The session cookie is
// HttpOnly (the page never sees it); the CSRF token lives only in this page's memory. Nothing is
// written to the browser's storage but the reader's choice of language.
import { api, problemSlug } from '../common/api.js';
import { announce, h, replace } from '../common/dom.js';
import { formatTime, initI18n, onLanguageChange, t, translateStatic } from '../common/i18n.js';
import { forgetOnLeave } from '../common/leave.js';
import { mountShell } from '../common/shell.js';

const root = document.getElementById('staff-root');
// What the page holds: the session (from the API, without the cookie), the form's last
// problem, and the user name typed (kept across a failed try; the password and code never).
const state = { session: null, error: null, user: '', signedOut: false, ended: null, warned: false };
// The idle timer runs from the last answer of the server (its idle clock restarts with every
// request); the absolute end is the server's own time stamp.
let lastActivity = 0;
let ticker = null;
const WARN_SECONDS = 120;
const TICK_MS = 5000;

function secondsLeft() {
  const s = state.session;
  if (!s) return { left: Infinity, why: null };
  const idle = (lastActivity + s.idle_timeout_seconds * 1000 - Date.now()) / 1000;
  const absolute = s.absolute_expires_at - Date.now() / 1000;
  return idle <= absolute ? { left: idle, why: 'idle' } : { left: absolute, why: 'absolute' };
}

// Ends the page's session: forgets everything it held, and tells the server (best effort: an
// expired session is gone there already).
function endSession(why) {
  const csrf = state.session?.csrf_token;
  state.session = null;
  state.error = null;
  state.user = '';
  state.warned = false;
  state.signedOut = why === 'signout';
  state.ended = why === 'signout' ? null : why;
  clearInterval(ticker);
  ticker = null;
  render('heading');
  return csrf;
}

function startTicker() {
  lastActivity = Date.now();
  clearInterval(ticker);
  ticker = setInterval(() => {
    const { left, why } = secondsLeft();
    if (left <= 0) {
      const csrf = endSession(why);
      api('/api/v1/sessions/current', { method: 'DELETE', headers: { 'X-CSRF-Token': csrf } });
      announce(t(`staff.ended.${why}`));
    } else if (left <= WARN_SECONDS && !state.warned) {
      state.warned = true;
      render('warning');
    }
  }, TICK_MS);
}

function sentence(answer) {
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

function field({ id, label, hint, type = 'text', autocomplete, inputmode, value = '' }) {
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

function signInView() {
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
      state.session = answer.data;
      state.error = null;
      state.signedOut = false;
      state.ended = null;
      startTicker();
      render('heading');
      announce(t('staff.session.heading'));
      return;
    }
    state.error = sentence(answer);
    render('summary');
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

function sessionView() {
  const s = state.session;
  const role = t(`staff.roles.${s.staff.role}`);
  const signOut = h('button', { type: 'button', class: 'secondary', id: 'sign-out' }, t('staff.session.signout'));
  signOut.addEventListener('click', async () => {
    await api('/api/v1/sessions/current', { method: 'DELETE', headers: { 'X-CSRF-Token': s.csrf_token } });
    // Whatever the answer (an expired session is signed out already), forget it here.
    endSession('signout');
  });
  let warning = null;
  if (state.warned) {
    const { why } = secondsLeft();
    const stay = h('button', { type: 'button', id: 'stay-signed-in' }, t('staff.warning.stay'));
    stay.addEventListener('click', async () => {
      const current = await api('/api/v1/sessions/current');
      if (!current.ok) {
        endSession('idle');
        return;
      }
      state.session = current.data;
      state.warned = false;
      startTicker();
      render('heading');
    });
    warning = h(
      'div',
      { class: 'notice warn', role: 'alert', id: 'session-warning', tabindex: '-1' },
      h('p', {}, t(why === 'idle' ? 'staff.warning.idle' : 'staff.warning.absolute', { minutes: 2, count: 2 })),
      // Only the idle timer can be pushed back; the absolute end cannot.
      why === 'idle' ? h('div', { class: 'actions' }, stay) : null,
    );
  }
  return [
    h('h1', { id: 'staff-heading', tabindex: '-1' }, t('staff.session.heading')),
    warning,
    h(
      'dl',
      { class: 'session-facts' },
      h('dt', {}, t('staff.session.user')),
      h('dd', { id: 'session-user' }, h('bdi', {}, s.staff.user)),
      h('dt', {}, t('staff.session.role')),
      h('dd', { id: 'session-role' }, role),
      s.staff.site ? [h('dt', {}, t('staff.session.site')), h('dd', {}, h('bdi', {}, s.staff.site))] : null,
    ),
    h(
      'p',
      { class: 'notice' },
      t('staff.session.idle', { minutes: Math.round(s.idle_timeout_seconds / 60), count: Math.round(s.idle_timeout_seconds / 60) }),
      ' ',
      t('staff.session.ends', { time: formatTime(s.absolute_expires_at * 1000) }),
    ),
    h('div', { class: 'actions' }, signOut),
  ];
}

function render(focus) {
  replace(root, state.session ? sessionView() : signInView());
  if (focus === 'summary') document.getElementById('staff-error')?.focus();
  else if (focus === 'warning') document.getElementById('session-warning')?.focus();
  else if (focus === 'heading') document.getElementById('staff-heading')?.focus();
}

async function start() {
  forgetOnLeave();
  const policy = await api('/api/v1/policy');
  await initI18n({ offered: policy.ok ? policy.data.city?.languages : undefined });
  translateStatic(document);
  mountShell({ page: 'staff', city: policy.ok ? policy.data.city?.name || '' : '' });
  // Signed in already (this browser holds a live session cookie)? The answer also carries the
  // CSRF token again. Any failure means: not signed in.
  const current = await api('/api/v1/sessions/current');
  state.session = current.ok ? current.data : null;
  if (state.session) startTicker();
  render('none');
  onLanguageChange(() => render('none'));
}

start().catch((e) => {
  replace(root, h('p', { class: 'notice bad', role: 'alert' }, 'This page could not load. Please reload it, or try again later.'));
  console.warn(e);
});
