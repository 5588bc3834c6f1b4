// The staff console (`/staff`): sign in (signin.js), then the sections the signed-in role may
// use (sections.js), one at a time, chosen by the URL's hash (`#queue`; never personal data in
// it: what one section hands another, such as a booking reference, passes in memory).
//
// The session cookie is HttpOnly (the page never sees it); the CSRF token lives only in this
// page's memory. Nothing is written to the browser's storage but the reader's choice of
// language, and when the session ends (sign-out, idle, time limit, a 401 from the server) the
// section is unmounted, the page is cleared and everything it held is dropped.
import { api } from '../common/api.js';
import { announce, h, replace } from '../common/dom.js';
import { formatTime, initI18n, onLanguageChange, t, translateStatic } from '../common/i18n.js';
import { forgetOnLeave } from '../common/leave.js';
import { mountShell } from '../common/shell.js';
import { homeFor, SECTIONS, sectionsFor } from './sections.js';
import { makeStaffApi } from './session.js';
import { signInView } from './signin.js';

const root = document.getElementById('staff-root');
const CITY_TITLE = () => t('common.staff.title');
// What the page holds: the session (from the API, without the cookie), the sign-in form's last
// problem, and the user name typed (kept across a failed try; the password and code never).
const state = { session: null, error: null, user: '', signedOut: false, ended: null, warned: false };
let policy = null;
// The idle timer runs from the last answer of the server (its idle clock restarts with every
// request); the absolute end is the server's own time stamp.
let lastActivity = 0;
let ticker = null;
const WARN_SECONDS = 120;
const TICK_MS = 5000;

// The mounted section: its id, its unmount and its language listeners.
let current = null;

// The tabs of one browser share the session cookie, hence one session on the server: a
// sign-out, a timeout or a new sign-in in one tab ends the console in the others (the next
// person at a shared counter must not find a name in a tab left open), and activity in one tab
// keeps the others' idle timers in step with the server's. Only these words cross; nothing is
// stored.
const tabs = typeof BroadcastChannel === 'function' ? new BroadcastChannel('cityid-staff') : null;
function tellTabs(what) {
  tabs?.postMessage(what);
}
tabs?.addEventListener('message', (event) => {
  if (!state.session) return;
  if (event.data === 'activity') lastActivity = Date.now();
  else if (event.data === 'ended' || event.data === 'signed-in') endSession('signout', { tell: false });
});

const staffApi = makeStaffApi({
  csrf: () => state.session?.csrf_token || '',
  onActivity: () => {
    lastActivity = Date.now();
    tellTabs('activity');
  },
  onUnauthorized: () => {
    if (state.session) endSession('idle');
  },
});

function secondsLeft() {
  const s = state.session;
  if (!s) return { left: Infinity, why: null };
  const idle = (lastActivity + s.idle_timeout_seconds * 1000 - Date.now()) / 1000;
  const absolute = s.absolute_expires_at - Date.now() / 1000;
  return idle <= absolute ? { left: idle, why: 'idle' } : { left: absolute, why: 'absolute' };
}

function unmountSection() {
  if (!current) return;
  for (const off of current.listeners) off();
  try {
    current.unmount?.();
  } catch (e) {
    console.warn(e);
  }
  current = null;
}

// Ends the page's session: unmounts the section (which forgets what it held), clears the page,
// and returns the CSRF token for a last sign-out call. `tell`: whether to end the other tabs'.
function endSession(why, { tell = true } = {}) {
  const csrf = state.session?.csrf_token;
  if (tell && state.session) tellTabs('ended');
  unmountSection();
  state.session = null;
  state.error = null;
  state.user = '';
  state.warned = false;
  state.signedOut = why === 'signout';
  state.ended = why === 'signout' ? null : why;
  clearInterval(ticker);
  ticker = null;
  // The hash names a section; the sign-in page has none.
  if (location.hash) history.replaceState(null, '', location.pathname);
  render('heading');
  // The live region lives outside the console and may still hold the last thing a section said
  // (a name checked in): it says how the session ended instead.
  announce(t(why === 'signout' ? 'staff.signedOut' : `staff.ended.${why}`));
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
    } else if (left <= WARN_SECONDS && !state.warned) {
      state.warned = true;
      renderWarning(true);
    }
  }, TICK_MS);
}

function signedIn(session) {
  // A new session replaced the cookie: another tab's CSRF token no longer matches it.
  tellTabs('signed-in');
  state.session = session;
  state.error = null;
  state.signedOut = false;
  state.ended = null;
  startTicker();
  render('section');
  announce(t('staff.session.signedInAs', { user: session.staff.user }));
}

// ---- the console's frame: the session bar, the nav, the warning and the section ----

function sessionBar() {
  const s = state.session;
  const signOut = h('button', { type: 'button', class: 'secondary', id: 'sign-out' }, t('staff.session.signout'));
  signOut.addEventListener('click', async () => {
    await staffApi.call('/api/v1/sessions/current', { method: 'DELETE' });
    // Whatever the answer (an expired session is signed out already), forget it here.
    endSession('signout');
  });
  const minutes = Math.round(s.idle_timeout_seconds / 60);
  return h(
    'section',
    { class: 'session-bar', 'aria-label': t('staff.session.label') },
    h(
      'dl',
      { class: 'session-facts' },
      h('div', {}, h('dt', {}, t('staff.session.user')), h('dd', { id: 'session-user' }, h('bdi', {}, s.staff.user))),
      h('div', {}, h('dt', {}, t('staff.session.role')), h('dd', { id: 'session-role' }, t(`staff.roles.${s.staff.role}`))),
      s.staff.site
        ? h('div', {}, h('dt', {}, t('staff.session.site')), h('dd', { id: 'session-site' }, h('bdi', {}, s.staff.site)))
        : null,
    ),
    h(
      'p',
      { class: 'session-times', id: 'session-times' },
      t('staff.session.idle', { minutes, count: minutes }),
      ' ',
      t('staff.session.ends', { time: formatTime(s.absolute_expires_at * 1000) }),
    ),
    signOut,
  );
}

function nav(active) {
  const items = sectionsFor(state.session.staff.role).map((s) =>
    h(
      'li',
      {},
      h('a', { href: `#${s.id}`, 'aria-current': s.id === active ? 'page' : undefined, id: `nav-${s.id}` }, t(`staff.nav.${s.id}`)),
    ),
  );
  return h('nav', { class: 'console-nav', 'aria-label': t('staff.nav.label') }, h('ul', {}, items));
}

function warningNode() {
  const { why } = secondsLeft();
  const stay = h('button', { type: 'button', id: 'stay-signed-in' }, t('staff.warning.stay'));
  stay.addEventListener('click', async () => {
    const answer = await staffApi.call('/api/v1/sessions/current');
    if (!answer.ok) {
      if (state.session) endSession('idle');
      return;
    }
    state.session = answer.data;
    state.warned = false;
    startTicker();
    renderWarning(false);
    document.getElementById('section-heading')?.focus();
  });
  return h(
    'div',
    { class: 'notice warn', role: 'alert', id: 'session-warning', tabindex: '-1' },
    h('p', {}, t(why === 'idle' ? 'staff.warning.idle' : 'staff.warning.absolute', { minutes: 2, count: 2 })),
    // Only the idle timer can be pushed back; the absolute end cannot.
    why === 'idle' ? h('div', { class: 'actions' }, stay) : null,
  );
}

function renderWarning(focus) {
  const slot = document.getElementById('warning-slot');
  if (!slot) return;
  if (state.warned) {
    replace(slot, warningNode());
    if (focus) document.getElementById('session-warning')?.focus();
  } else {
    replace(slot);
  }
}

// The section the hash names, if the role may use it; else the role's home.
function routeSection() {
  const allowed = sectionsFor(state.session.staff.role);
  const wanted = location.hash.replace(/^#/, '');
  const found = allowed.find((s) => s.id === wanted);
  if (found) return { section: found, refused: false };
  const home = allowed.find((s) => s.id === homeFor(state.session.staff.role)) || allowed[0];
  return { section: home, refused: wanted !== '' && wanted !== home.id };
}

let pendingParams = null;

function mountSection(focus) {
  unmountSection();
  const { section, refused } = routeSection();
  if (location.hash !== `#${section.id}`) history.replaceState(null, '', `#${section.id}`);
  const frame = document.getElementById('console-frame');
  replace(frame, sessionBar(), nav(section.id), h('div', { id: 'warning-slot' }));
  renderWarning(false);
  const sectionRoot = h('div', { id: 'section-root', class: `section section-${section.id}` });
  if (refused) frame.appendChild(h('p', { class: 'notice warn', id: 'section-refused', role: 'status' }, t('staff.nav.refused')));
  frame.appendChild(sectionRoot);
  const params = pendingParams || {};
  pendingParams = null;
  const entry = { id: section.id, unmount: null, listeners: [] };
  current = entry;
  const ctx = {
    session: state.session,
    api: staffApi.call,
    blob: staffApi.blob,
    policy,
    params,
    navigate: (id, p = {}) => {
      pendingParams = p;
      if (location.hash === `#${id}`) mountSection('section');
      else location.hash = id;
    },
    onLanguageChange: (cb) => {
      entry.listeners.push(onLanguageChange(cb));
    },
    setTitle: (text) => {
      document.title = `${text} · ${CITY_TITLE()} · ${t('common.service')}`;
    },
  };
  try {
    const unmount = section.mount(sectionRoot, ctx);
    if (typeof unmount === 'function') entry.unmount = unmount;
  } catch (e) {
    console.warn(e);
    replace(sectionRoot, h('p', { class: 'notice bad', role: 'alert' }, t('staff.errors.section')));
  }
  if (focus === 'section') document.getElementById('section-heading')?.focus();
}

function render(focus) {
  if (!state.session) {
    unmountSection();
    replace(root, signInView(state, { rerender: render, onSignedIn: signedIn }));
    document.title = `${CITY_TITLE()} · ${t('common.service')}`;
    if (focus === 'summary') document.getElementById('staff-error')?.focus();
    else if (focus === 'heading') document.getElementById('staff-heading')?.focus();
    return;
  }
  replace(root, h('div', { id: 'console-frame', class: 'console' }));
  mountSection(focus);
}

async function start() {
  forgetOnLeave();
  const answer = await api('/api/v1/policy');
  policy = answer.ok ? answer.data : null;
  await initI18n({ offered: policy ? policy.city?.languages : undefined });
  translateStatic(document);
  mountShell({ page: 'staff', city: policy ? policy.city?.name || '' : '' });
  // Signed in already (this browser holds a live session cookie)? The answer also carries the
  // CSRF token again. Any failure means: not signed in.
  const currentSession = await api('/api/v1/sessions/current');
  state.session = currentSession.ok ? currentSession.data : null;
  if (state.session) startTicker();
  render('none');
  window.addEventListener('hashchange', () => {
    if (!state.session) return;
    // An in-page link (the skip link's #staff-root) names an element, not a section: the
    // browser moves there, and the section stays mounted with what it holds.
    const wanted = location.hash.replace(/^#/, '');
    if (current && !SECTIONS.some((s) => s.id === wanted) && document.getElementById(wanted)) {
      history.replaceState(null, '', `#${current.id}`);
      return;
    }
    mountSection('section');
  });
  // A language switch redraws the frame; the section redraws itself (ctx.onLanguageChange)
  // and keeps what was typed.
  onLanguageChange(() => {
    if (!state.session) {
      render('none');
      return;
    }
    const frame = document.getElementById('console-frame');
    const sectionRoot = document.getElementById('section-root');
    const refused = document.getElementById('section-refused');
    replace(frame, sessionBar(), nav(current?.id), h('div', { id: 'warning-slot' }));
    renderWarning(false);
    if (refused) frame.appendChild(h('p', { class: 'notice warn', id: 'section-refused', role: 'status' }, t('staff.nav.refused')));
    if (sectionRoot) frame.appendChild(sectionRoot);
  });
}

start().catch((e) => {
  replace(root, h('p', { class: 'notice bad', role: 'alert' }, 'This page could not load. Please reload it, or try again later.'));
  console.warn(e);
});
