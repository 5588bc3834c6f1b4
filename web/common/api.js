// The pages' only way to the server: the documented API (/api/v1/...). Never throws for an
// HTTP error: the caller gets the status and the RFC 9457 problem document to word a sentence
// from, or `network: true` when the server cannot be reached.

/**
 * @returns {Promise<{ok: boolean, status: number, data: any, problem: any, retryAfter: number|null,
 *   network: boolean}>}
 */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const init = { method, headers: { Accept: 'application/json', ...headers }, credentials: 'same-origin', cache: 'no-store' };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    return { ok: false, status: 0, data: null, problem: null, retryAfter: null, network: true };
  }
  let json = null;
  const type = res.headers.get('Content-Type') || '';
  if (type.includes('json')) {
    try {
      json = await res.json();
    } catch {
      json = null;
    }
  }
  const retry = Number.parseInt(res.headers.get('Retry-After') || '', 10);
  return {
    ok: res.ok,
    status: res.status,
    data: res.ok ? json : null,
    problem: res.ok ? null : json,
    retryAfter: Number.isFinite(retry) ? retry : null,
    network: false,
  };
}

/** The problem type's slug ("slot-full") of a failed answer, or "". */
export function problemSlug(answer) {
  const type = answer && answer.problem && typeof answer.problem.type === 'string' ? answer.problem.type : '';
  return type.slice(type.lastIndexOf('/') + 1);
}
