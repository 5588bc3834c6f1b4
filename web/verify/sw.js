// The verifier's service worker (scope /verify): the page works offline once loaded.
//
// - This build's page, script, stylesheet, messages and icon are kept in a cache named after
//   the build (__CITYID_BUILD__, a hash of every other output), filled at install; a new build
//   installs a new cache and the old one is deleted when it activates.
// - The city's public data — the key set (/.well-known/cityid-keys), the signed status lists
//   (/api/v1/status-lists/{id}) and the policy — is fetched from the network first and kept in
//   a second cache for when the network is gone, each copy stamped with the time it was fetched
//   (X-Cityid-Stored-At) so the page can say how old it is.
// - Nothing else is kept: never a scanned payload or a result (the page makes no request for
//   those at all), and no API answer but those three.
/* global __CITYID_BUILD__ */
const BUILD = typeof __CITYID_BUILD__ === 'string' ? __CITYID_BUILD__ : 'dev';
const PREFIX = 'cityid-verify-';
const SHELL_CACHE = `${PREFIX}${BUILD}`;
const DATA_CACHE = `${PREFIX}public-data`;
const SHELL = [
  '/verify', '/assets/verify.js', '/assets/verify.css', '/favicon.svg',
  '/messages/en.json', '/messages/es.json', '/messages/zh.json', '/messages/ar.json',
];
const KEYS = '/.well-known/cityid-keys';
const POLICY = '/api/v1/policy';
const LIST = /^\/api\/v1\/status-lists\/[A-Za-z0-9_-]{1,32}$/;
const MAX_LISTS = 64;
const STORED_AT = 'X-Cityid-Stored-At';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    await cache.addAll(SHELL.map((u) => new Request(u, { cache: 'reload' })));
    // The policy too (the page's languages and city name), so that a reload offline finds it.
    await fetchData(POLICY);
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== SHELL_CACHE && name !== DATA_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

const isData = (path) => path === KEYS || path === POLICY || LIST.test(path);

/** A copy of `res` stamped with the time it was fetched. */
async function stamped(res, at) {
  const headers = new Headers(res.headers);
  headers.set(STORED_AT, String(at));
  return new Response(await res.clone().arrayBuffer(), { status: res.status, statusText: res.statusText, headers });
}

/**
 * True when a 200 answer is the kind of document `path` serves: JSON, and for the key set and
 * the status lists the members they must have. A proxy's maintenance page or a captive portal
 * answering 200 with HTML must not replace the stored copies (the page could then check no card
 * offline, or none against its revocation list); it is treated as a failing server. The page
 * still verifies the signatures itself.
 */
async function looksRight(path, res) {
  if (!(res.headers.get('Content-Type') || '').includes('json')) return false;
  let o;
  try {
    o = await res.clone().json();
  } catch {
    return false;
  }
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return false;
  if (path === KEYS) return Array.isArray(o.keys);
  if (LIST.test(path)) return o.type === 'BitstringStatusList' && typeof o.proof === 'object' && o.proof !== null;
  return true;
}

/**
 * Network first for public data: a fresh answer is stored (stamped) and returned; a 404 drops
 * the stored copy; with no network or a failing server the stored copy answers. Returns
 * {res, fresh} or null.
 */
async function fetchData(path) {
  const cache = await caches.open(DATA_CACHE);
  let res;
  try {
    res = await fetch(path, { cache: 'no-store', credentials: 'omit' });
  } catch {
    res = null;
  }
  if (res && res.ok && (await looksRight(path, res))) {
    await cache.put(path, await stamped(res, Date.now()));
    return { res, fresh: true };
  }
  if (res && res.status === 404) {
    await cache.delete(path);
    return { res, fresh: true };
  }
  // No network, the server failing (5xx), or a 200 that is not this document: the stored
  // copy, as old as it is.
  const stored = await cache.match(path);
  if (stored) return { res: stored, fresh: false };
  // A wrong 200 with nothing stored is no answer: a bad gateway, so the list walk stops.
  if (res && res.ok) return { res: new Response(null, { status: 502, statusText: 'Bad Gateway' }), fresh: true };
  return res ? { res, fresh: true } : null;
}

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  const path = url.pathname;
  if (isData(path) && url.search === '') {
    event.respondWith((async () => {
      const r = await fetchData(path);
      return r ? r.res : Response.error();
    })());
  } else if (req.mode === 'navigate' && path === '/verify') {
    // The page itself: the network's copy when there is one, else this build's.
    event.respondWith((async () => {
      try {
        return await fetch(req);
      } catch {
        return (await caches.match('/verify', { cacheName: SHELL_CACHE })) || Response.error();
      }
    })());
  } else if (SHELL.includes(path)) {
    event.respondWith((async () => (await caches.match(path, { cacheName: SHELL_CACHE })) || fetch(req))());
  }
});

/**
 * The page asks for the trust data with {type: 'trust'} on a MessageChannel: the key set and
 * every status list (ids 1, 2, ... until the server says 404 or, offline, until none is stored),
 * fetched now when the network answers, else the stored copies. The page verifies them itself.
 * Probing for the next list id here rather than in the page keeps the expected 404 that ends
 * the walk out of the page's console.
 */
async function trust() {
  const out = { keys: null, lists: [], online: false };
  await fetchData(POLICY);
  const k = await fetchData(KEYS);
  if (k && k.res.ok) {
    out.keys = { text: await k.res.text(), storedAt: k.fresh ? Date.now() : Number(k.res.headers.get(STORED_AT)) || null };
    out.online = k.fresh;
  } else if (k) {
    out.keysStatus = k.res.status;
    out.online = true;
  }
  for (let id = 1; id <= MAX_LISTS; id++) {
    const path = `/api/v1/status-lists/${id}`;
    const r = await fetchData(path);
    if (!r || !r.res.ok) break;
    out.lists.push({ id: String(id), text: await r.res.text(), storedAt: r.fresh ? Date.now() : Number(r.res.headers.get(STORED_AT)) || null });
  }
  return out;
}

self.addEventListener('message', (event) => {
  const port = event.ports && event.ports[0];
  if (!port || !event.data || event.data.type !== 'trust') return;
  event.waitUntil(trust().then((t) => port.postMessage(t), (e) => port.postMessage({ error: String(e && e.message) })));
});
