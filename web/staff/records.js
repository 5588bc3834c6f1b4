// Stub: replaced by the helper who owns this section (issue 17).
import { h, replace } from '../common/dom.js';
import { t } from '../common/i18n.js';

export function mountRecords(root, ctx) {
  ctx.setTitle(t('staff.nav.records'));
  replace(root, h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.records')));
}

export function mountRegister(root, ctx) {
  ctx.setTitle(t('staff.nav.register'));
  replace(root, h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.register')));
}

