// The console's sections: which roles see each one and the module that draws it. The pages show
// only what the signed-in role may do; the API stays the authority (http/rbac.cc), and a
// section a role cannot use is neither listed nor mounted.
//
// A section module exports mount functions `(root, ctx) => unmount?` where ctx is:
//   session    { staff: { id, user, role, site }, idle_timeout_seconds, absolute_expires_at }
//   api        (path, { method, body, headers }) → { ok, status, data, problem, retryAfter, network }
//              with the CSRF token added; a 401 signs the page out
//   blob       (path, opts) → { ok, status, blob, type, problem, network } for PDFs and files
//   policy     the GET /api/v1/policy answer (city, documents, rules, fields)
//   params     what the section that navigated here passed (in memory, never in the URL)
//   navigate   (id, params) → shows section `id` with `params`
//   onLanguageChange(cb)  re-render on a language switch (dropped when the section unmounts)
//   setTitle   (text) → the section's title (document title; the section draws its own <h1>)
// The returned unmount (if any) must forget what the section held (personal data in memory,
// blob: URLs, camera streams). Everything the section drew is removed by the console.
import { mountAudit } from './audit.js';
import { mountEnroll, mountToday } from './clerk.js';
import { mountDesk } from './desk.js';
import { mountPolicyView, mountSitesAdmin, mountStaffAdmin } from './admin_people.js';
import { mountPrint } from './print.js';
import { mountRecords, mountRegister } from './records.js';
import { mountReport } from './report.js';
import { mountQueue } from './supervisor.js';

const COUNTER = ['clerk', 'partner', 'supervisor', 'admin'];
const CITY_HALL = ['clerk', 'supervisor', 'admin'];
const OVERSIGHT = ['auditor', 'admin'];

/** In nav order. `label` is a message key under staff.nav. */
export const SECTIONS = [
  { id: 'today', roles: COUNTER, mount: mountToday },
  { id: 'enroll', roles: COUNTER, mount: mountEnroll },
  { id: 'queue', roles: ['supervisor', 'admin'], mount: mountQueue },
  { id: 'print', roles: CITY_HALL, mount: mountPrint },
  { id: 'desk', roles: CITY_HALL, mount: mountDesk },
  { id: 'staff', roles: ['admin'], mount: mountStaffAdmin },
  { id: 'sites', roles: ['admin'], mount: mountSitesAdmin },
  { id: 'policy', roles: COUNTER, mount: mountPolicyView },
  { id: 'records', roles: ['admin'], mount: mountRecords },
  { id: 'register', roles: OVERSIGHT, mount: mountRegister },
  { id: 'audit', roles: OVERSIGHT, mount: mountAudit },
  { id: 'report', roles: OVERSIGHT, mount: mountReport },
];

/** The sections `role` may use, in nav order. */
export function sectionsFor(role) {
  return SECTIONS.filter((s) => s.roles.includes(role));
}

/** Where a role lands after signing in. */
export function homeFor(role) {
  return { clerk: 'today', partner: 'today', supervisor: 'queue', admin: 'staff', auditor: 'audit' }[role] || 'today';
}
