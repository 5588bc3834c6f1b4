// Placeholder until the verifier lands (replaced by its own module).
import { api } from '../common/api.js';
import { initI18n, translateStatic } from '../common/i18n.js';
import { mountShell } from '../common/shell.js';

async function start() {
  const policy = await api('/api/v1/policy');
  await initI18n({ offered: policy.ok ? policy.data.city?.languages : undefined });
  translateStatic(document);
  mountShell({ page: 'verify', city: policy.ok ? policy.data.city?.name || '' : '' });
}
start();
