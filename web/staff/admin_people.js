// Stub: replaced by the helper who owns this section (issue 17).
import { h, replace } from '../common/dom.js';
import { t } from '../common/i18n.js';

export function mountStaffAdmin(root, ctx) {
  ctx.setTitle(t('staff.nav.staff'));
  replace(root, h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.staff')));
}

export function mountSitesAdmin(root, ctx) {
  ctx.setTitle(t('staff.nav.sites'));
  replace(root, h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.sites')));
}

export function mountPolicyView(root, ctx) {
  ctx.setTitle(t('staff.nav.policy'));
  replace(root, h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.policy')));
}

