// The transparency report (auditor, admin): GET /api/v1/reports/transparency for a span of
// months, shown as key figures, then for each table a bar chart (inline SVG built with the DOM,
// readable without colour: suppressed counts are hatched and labelled "<10", every bar carries
// its number) and the same numbers as a table beside it. Rows with nothing in the period are
// left out and a table with nothing at all is one sentence. The CSV is the API's own
// (`format=csv`), downloaded through a blob: URL revoked right after.
import { problemSlug } from '../common/api.js';
import { announce, h, newId, replace } from '../common/dom.js';
import { formatNumber, has, locale, t } from '../common/i18n.js';

const SVG = 'http://www.w3.org/2000/svg';
const SMALL = '<10';
const WITHHELD = 'withheld';

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const isZero = (c) => c === 0;
/** The words for one published cell: a number, "fewer than 10" or "withheld". */
export function cellText(c) {
  if (c === SMALL) return t('staff_audit.report.small');
  if (c === WITHHELD) return t('staff_audit.report.withheld');
  return formatNumber(c);
}

function tableTitle(table) {
  const key = `staff_audit.report.tables.${table.id}`;
  return has(key) ? t(key) : table.title;
}

const HEADERS = { Site: 'site', 'Hold category': 'holdCategory', 'Request kind': 'requestKind' };

function rowLabel(label) {
  if (label === 'Total') return t('staff_audit.report.total');
  if (HEADERS[label]) return t(`staff_audit.report.headers.${HEADERS[label]}`);
  const key = `staff_audit.report.rows.${label}`;
  return has(key) ? t(key) : label;
}

function monthLabel(ym) {
  if (ym === 'Total') return t('staff_audit.report.total');
  const m = /^(\d{4})-(\d{2})$/.exec(ym);
  if (!m) return ym;
  return new Intl.DateTimeFormat(locale(), { year: 'numeric', month: 'short', timeZone: 'UTC' })
    .format(new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1)));
}

/**
 * The parts of a published table worth drawing: the rows (without "Total") that have anything
 * other than 0 in a month, the indices of the months where any of them does, and the totals row.
 */
export function nonEmpty(table) {
  const months = table.columns.slice(0, -1);
  const rows = table.rows.slice(0, -1).filter((r) => !r.cells.slice(0, -1).every(isZero));
  const active = months.map((_, i) => i).filter((i) => rows.some((r) => r.cells[i] !== 0));
  return { months, rows, active, total: table.rows[table.rows.length - 1] };
}

/** The bar chart of one table: one bar per non-zero month of each non-empty row. */
function chart(table, view) {
  const titleId = newId('chart-title');
  const descId = newId('chart-desc');
  const hatchId = newId('hatch');
  const bars = [];
  for (const row of view.rows) {
    bars.push({ group: rowLabel(row.label) });
    view.months.forEach((m, i) => {
      const c = row.cells[i];
      if (c !== 0) bars.push({ label: monthLabel(m), cell: c });
    });
  }
  const max = Math.max(10, ...bars.filter((b) => typeof b.cell === 'number').map((b) => b.cell));
  const labelW = 105;
  const barMax = 230;
  const width = labelW + barMax + 65;
  const rowH = 26;
  const height = bars.length * rowH + 8;
  const svg = s('svg', {
    class: 'chart', viewBox: `0 0 ${width} ${height}`, width: '100%', role: 'img',
    'aria-labelledby': `${titleId} ${descId}`, direction: 'ltr', preserveAspectRatio: 'xMinYMin meet',
  },
  s('title', { id: titleId }, tableTitle(table)),
  s('desc', { id: descId }, t('staff_audit.report.chartDesc')),
  s('defs', {}, s('pattern', { id: hatchId, patternUnits: 'userSpaceOnUse', width: 6, height: 6, patternTransform: 'rotate(45)' },
    s('rect', { width: 6, height: 6, class: 'hatch-bg' }),
    s('rect', { width: 2.5, height: 6, class: 'hatch-line' }))));
  bars.forEach((b, i) => {
    const y = 4 + i * rowH;
    if (b.group) {
      svg.appendChild(s('text', { x: 0, y: y + 18, class: 'chart-group' }, b.group));
      return;
    }
    svg.appendChild(s('text', { x: labelW - 8, y: y + 17, 'text-anchor': 'end', class: 'chart-label' }, b.label));
    const small = b.cell === SMALL;
    const w = Math.max(2, Math.round(((small ? 10 : b.cell) / max) * barMax));
    svg.appendChild(s('rect', {
      x: labelW, y: y + 3, width: w, height: rowH - 8,
      class: small ? 'bar-small' : 'bar', fill: small ? `url(#${hatchId})` : null,
    }));
    svg.appendChild(s('text', { x: labelW + w + 6, y: y + 17, class: 'chart-value' }, small ? SMALL : cellText(b.cell)));
  });
  return svg;
}

/** The table beside the chart: the non-empty rows and the totals, in the months with activity. */
function numbers(table, view, captionId) {
  const cols = [...view.active, table.columns.length - 1];
  const body = [...view.rows, view.total].map((row) =>
    h('tr', { class: row === view.total ? 'total' : null },
      h('th', { scope: 'row' }, h('bdi', {}, rowLabel(row.label))),
      cols.map((i) => h('td', {}, cellText(row.cells[i])))));
  return h('div', { class: 'table-scroll', role: 'region', tabindex: '0', 'aria-labelledby': captionId },
    h('table', { class: 'report-table' },
      h('caption', { id: captionId }, t('staff_audit.report.tableCaption', { title: tableTitle(table) })),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, rowLabel(table.row_header)),
        cols.map((i) => h('th', { scope: 'col' }, monthLabel(table.columns[i]))))),
      h('tbody', {}, body)));
}

function grandTotal(report, id) {
  const table = report.tables.find((x) => x.id === id);
  if (!table) return null;
  const total = table.rows[table.rows.length - 1];
  return total.cells[total.cells.length - 1];
}

const KEY_FIGURES = ['applications_received', 'applications_approved', 'cards_issued', 'cards_revoked'];

function monthString(d) {
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

export function mountReport(root, ctx) {
  let alive = true;
  let report = null;
  let url = null;
  const now = new Date();
  let span = { from: monthString(new Date(now.getFullYear(), now.getMonth() - 11, 1)), to: monthString(now) };
  const out = h('div', { class: 'report-out' });
  const status = h('div', { role: 'status', class: 'report-status' });

  function sentence(answer) {
    if (answer.network) return t('staff.errors.offline');
    if (answer.status === 403) return t('staff_audit.errors.forbiddenReport');
    const slug = problemSlug(answer);
    if (answer.status === 400 && (slug === 'invalid-argument' || slug === 'missing-field')) return t('staff_audit.errors.months');
    return t('staff.errors.server');
  }

  function showError(text) {
    replace(out, h('div', { class: 'error-summary', role: 'alert', tabindex: '-1' },
      h('h2', {}, t('staff.errors.summary')), h('p', {}, text)));
    out.firstChild.focus();
  }

  function drawReport() {
    if (!report) return;
    const figures = h('dl', { class: 'key-figures' }, KEY_FIGURES.map((id) => {
      const v = grandTotal(report, id);
      const table = report.tables.find((x) => x.id === id);
      return v === null ? null : h('div', {}, h('dt', {}, tableTitle(table)), h('dd', {}, cellText(v)));
    }));
    const quiet = [];
    const sections = report.tables.map((table) => {
      const view = nonEmpty(table);
      if (view.rows.length === 0) {
        quiet.push(table);
        return null;
      }
      const headingId = newId('report-h');
      const hidden = table.rows.length - 1 - view.rows.length;
      const notes = [];
      if (hidden > 0) notes.push(t('staff_audit.report.hiddenRows', { count: hidden }));
      if (view.active.length < view.months.length) notes.push(t('staff_audit.report.hiddenMonths'));
      return h('section', { class: 'report-table-section', 'aria-labelledby': headingId, 'data-table': table.id },
        h('h3', { id: headingId }, tableTitle(table)),
        h('div', { class: 'chart-and-numbers' },
          h('figure', {}, chart(table, view), h('figcaption', {}, t('staff_audit.report.legend'))),
          numbers(table, view, newId('report-cap'))),
        notes.length ? h('p', { class: 'hint' }, notes.join(' ')) : null);
    });
    const quietId = newId('report-h');
    const quietSection = quiet.length === 0 ? null : h('section', { class: 'report-table-section report-quiet', 'aria-labelledby': quietId },
      h('h3', { id: quietId }, t('staff_audit.report.quietHeading')),
      h('ul', {}, quiet.map((table) => h('li', { 'data-table': table.id }, tableTitle(table)))));
    replace(out,
      h('h2', { id: 'report-period', tabindex: '-1' }, t('staff_audit.report.period', { from: monthLabel(report.from), to: monthLabel(report.to) })),
      h('p', {}, t('staff_audit.report.suppression')),
      figures,
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'secondary', id: 'report-csv', onClick: downloadCsv }, t('staff_audit.report.csv'))),
      sections,
      quietSection);
  }

  function query(format) {
    const p = new URLSearchParams({ from: span.from, to: span.to });
    if (format) p.set('format', format);
    return `/api/v1/reports/transparency?${p}`;
  }

  async function load() {
    replace(status, t('staff_audit.report.loading'));
    const answer = await ctx.api(query());
    if (!alive) return;
    replace(status);
    if (!answer.ok) {
      report = null;
      showError(sentence(answer));
      return;
    }
    report = answer.data;
    drawReport();
    out.querySelector('#report-period').focus();
    announce(t('staff_audit.report.ready'));
  }

  async function downloadCsv() {
    const answer = await ctx.blob(query('csv'));
    if (!alive) return;
    if (!answer.ok) {
      showError(sentence(answer));
      return;
    }
    if (url) URL.revokeObjectURL(url);
    url = URL.createObjectURL(answer.blob);
    const a = h('a', { href: url, download: `transparency-report-${span.from}-to-${span.to}.csv`, class: 'visually-hidden' }, 'csv');
    document.body.appendChild(a);
    a.click();
    a.remove();
    replace(status, t('staff_audit.report.downloaded'));
    // The file is the browser's once the download has started: revoking the URL at once can
    // cancel it in some browsers, so the page lets it go a minute later (or when it unmounts).
    const mine = url;
    setTimeout(() => {
      if (url === mine) {
        URL.revokeObjectURL(url);
        url = null;
      }
    }, 60000);
  }

  function buildForm() {
    const field = (id, label, value) => h('div', { class: 'field' },
      h('label', { for: id }, label),
      h('p', { class: 'hint', id: `${id}-hint` }, t('staff_audit.report.monthHint')),
      h('input', { id, name: id, type: 'month', value, pattern: '[0-9]{4}-[0-9]{2}', 'aria-describedby': `${id}-hint` }));
    const form = h('form', { class: 'report-form', novalidate: true },
      h('fieldset', {}, h('legend', {}, t('staff_audit.report.legend2')),
        h('div', { class: 'filter-grid' },
          field('report-from', t('staff_audit.report.from'), span.from),
          field('report-to', t('staff_audit.report.to'), span.to)),
        h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('staff_audit.report.show')))));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      span = { from: form.elements['report-from'].value.trim(), to: form.elements['report-to'].value.trim() };
      load();
    });
    return form;
  }

  function draw() {
    ctx.setTitle(t('staff.nav.report'));
    replace(root,
      h('h1', { id: 'section-heading', tabindex: '-1' }, t('staff.nav.report')),
      h('p', {}, t('staff_audit.report.intro')),
      buildForm(),
      status,
      out);
    drawReport();
  }

  draw();
  load();
  ctx.onLanguageChange(draw);
  return () => {
    alive = false;
    report = null;
    if (url) URL.revokeObjectURL(url);
    url = null;
  };
}
