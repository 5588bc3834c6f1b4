// The console's way to the API while signed in: every call carries the session's CSRF token on
// a state-changing method, counts as activity for the idle timer, and a 401 (the session ended
// on the server: idle, time limit, signed out elsewhere, disabled) ends it on the page too.
// Sections get these through their context; they never read the cookie (HttpOnly) or keep the
// token anywhere but in memory.
import { api } from '../common/api.js';

const SAFE = new Set(['GET', 'HEAD']);

/**
 * @param {{ csrf: () => string, onActivity: () => void, onUnauthorized: () => void }} hooks
 * @returns {{ call: Function, blob: Function }}
 */
export function makeStaffApi({ csrf, onActivity, onUnauthorized }) {
  const headersFor = (method, headers = {}) =>
    SAFE.has(method) ? headers : { ...headers, 'X-CSRF-Token': csrf() };

  /** Like common/api.js's api(): { ok, status, data, problem, retryAfter, network }. */
  async function call(path, { method = 'GET', body, headers } = {}) {
    const answer = await api(path, { method, body, headers: headersFor(method, headers) });
    if (!answer.network) onActivity();
    if (answer.status === 401) onUnauthorized();
    return answer;
  }

  /**
   * A binary answer (a card's PDF, a sheet): { ok, status, blob, type, problem, network }. The
   * blob stays in memory; the caller hands it to the user (a blob: URL revoked after use).
   */
  async function blob(path, { method = 'GET', body, headers } = {}) {
    const init = { method, headers: { ...headersFor(method, headers) }, credentials: 'same-origin', cache: 'no-store' };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers['Content-Type'] = 'application/json';
    }
    let res;
    try {
      res = await fetch(path, init);
    } catch {
      return { ok: false, status: 0, blob: null, type: '', problem: null, network: true };
    }
    onActivity();
    if (res.status === 401) onUnauthorized();
    const type = res.headers.get('Content-Type') || '';
    if (!res.ok) {
      let problem = null;
      if (type.includes('json')) problem = await res.json().catch(() => null);
      return { ok: false, status: res.status, blob: null, type, problem, network: false };
    }
    return { ok: true, status: res.status, blob: await res.blob(), type, problem: null, network: false };
  }

  return { call, blob };
}
