// The header every page shares: the service's name, the city's, and the language switcher
// (each language named in its own script). The skip link and <main> are in the page's HTML.
import { h, replace } from './dom.js';
import { NATIVE_NAMES, lang, offeredLanguages, onLanguageChange, setLanguage, t } from './i18n.js';

/**
 * Fills <header id="site-header">. `page` is the page's message key prefix for its title
 * ("portal", "verify"); `city` the city's name from the policy (may be empty).
 */
export function mountShell({ page, city = '' }) {
  const header = document.getElementById('site-header');
  const render = () => {
    const select = h(
      'select',
      { id: 'language', name: 'language', autocomplete: 'off' },
      offeredLanguages().map((code) =>
        h('option', { value: code, lang: code === 'zh' ? 'zh-Hans' : code, selected: code === lang() }, NATIVE_NAMES[code]),
      ),
    );
    select.addEventListener('change', () => setLanguage(select.value));
    replace(
      header,
      h(
        'div',
        { class: 'header-inner' },
        h(
          'div',
          { class: 'brand' },
          h('a', { href: page === 'portal' ? '#' : '/', class: 'brand-link' }, t('common.service')),
          city ? h('span', { class: 'brand-city' }, city) : null,
        ),
        h('div', { class: 'language' }, h('label', { for: 'language' }, t('common.language')), select),
      ),
    );
    document.title = `${t(`common.${page}.title`)} · ${t('common.service')}`;
  };
  render();
  onLanguageChange(render);
}
