// A small element builder: pages build their DOM from data with text nodes, never with
// innerHTML, so nothing a server or a card says can become markup.

/**
 * h('button', { class: 'primary', onClick: fn, 'aria-describedby': 'x' }, 'Book', child)
 * Attributes: `class`, `text` (textContent), `on<Event>` handlers, boolean attributes given as
 * true/false, anything else as an attribute. Children: nodes, strings (text), arrays, null.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** Puts `children` in place of `el`'s content. */
export function replace(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

let region = null;
/** Says `text` to screen readers (a polite live region shared by the page). */
export function announce(text) {
  if (!region) {
    region = h('div', { class: 'visually-hidden', role: 'status', 'aria-live': 'polite', id: 'announcer' });
    document.body.appendChild(region);
  }
  region.textContent = '';
  // A new text node in a later task, so that the same sentence twice is read twice.
  setTimeout(() => {
    region.textContent = text;
  }, 50);
}

let uid = 0;
/** A fresh element id with `prefix`. */
export function newId(prefix = 'id') {
  uid += 1;
  return `${prefix}-${uid}`;
}
