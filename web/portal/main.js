// The applicant portal (`/`): four things an applicant comes for, one per view (the URL's hash
// names the view; it never carries anything personal). No account, nothing kept in the
// browser but the reader's choice of language.
import { api } from '../common/api.js';
import { h, replace } from '../common/dom.js';
import { initI18n, t, translateStatic } from '../common/i18n.js';
import { forgetOnLeave } from '../common/leave.js';
import { mountShell } from '../common/shell.js';
import { mountBooking, mountManage } from './booking.js';
import { mountChecker } from './checker.js';
import { mountHistory } from './history.js';

const VIEWS = ['bring', 'book', 'my-booking', 'history'];

function show(focus) {
  const view = VIEWS.includes(location.hash.slice(1)) ? location.hash.slice(1) : '';
  document.getElementById('home').hidden = view !== '';
  for (const id of VIEWS) document.getElementById(id).hidden = id !== view;
  if (!focus) return;
  const target = view ? document.querySelector(`#${view} h1`) : document.getElementById('main');
  target.focus();
}

async function start() {
  forgetOnLeave();
  const policy = await api('/api/v1/policy');
  await initI18n({ offered: policy.ok ? policy.data.city?.languages : undefined });
  translateStatic(document);
  mountShell({ page: 'portal', city: policy.ok ? policy.data.city?.name || '' : '' });
  const loading = document.getElementById('loading');
  if (!policy.ok) {
    loading.className = 'notice bad';
    replace(loading, t(policy.network ? 'common.offline' : 'common.serverError'));
    return;
  }
  loading.remove();
  const ctx = { policy: policy.data };
  mountChecker(document.getElementById('checker-root'), ctx);
  mountBooking(document.getElementById('booking-root'), ctx);
  mountManage(document.getElementById('manage-root'), ctx);
  mountHistory(document.getElementById('history-root'), ctx);
  window.addEventListener('hashchange', () => {
    // The skip link (#main) names an element, not a view: the browser moves focus there, and
    // the view the reader was in stays, with its name put back in the address bar.
    const wanted = location.hash.slice(1);
    if (wanted && !VIEWS.includes(wanted) && document.getElementById(wanted)) {
      const open = VIEWS.find((id) => !document.getElementById(id).hidden);
      history.replaceState(null, '', open ? `#${open}` : location.pathname);
      return;
    }
    show(true);
  });
  show(false);
}

start().catch((e) => {
  // The page never goes blank: the reader gets a sentence (in English if even the messages
  // failed), and the console keeps the reason for whoever debugs it.
  const main = document.getElementById('main');
  replace(main, h('p', { class: 'notice bad', role: 'alert' }, 'This page could not load. Please reload it, or try again later.'));
  console.warn(e);
});
