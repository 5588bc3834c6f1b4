// Stub: replaced by the helper who owns this section (issue 17).
import { h, replace } from '../common/dom.js';
import { t } from '../common/i18n.js';

export function mountAudit(root, ctx) {
  ctx.setTitle(t('staff.nav.audit'));
  replace(root, h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.audit')));
}

