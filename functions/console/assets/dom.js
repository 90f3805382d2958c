// Element builders. Values from the API only ever become text nodes or
// attribute values (never parsed as markup anywhere in the console),
// so a listing titled "<img src=x onerror=alert(1)>" shows those characters.

const SVG_NS = 'http://www.w3.org/2000/svg';
let nextId = 0;

function setProps(el, props) {
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2), value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
}

function appendAll(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** An HTML element: h('p', {class: 'x'}, 'text', otherNode). */
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  setProps(el, props);
  appendAll(el, children);
  return el;
}

/** An SVG element. */
export function s(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setProps(el, props);
  appendAll(el, children);
  return el;
}

export function uid(prefix = 'f') {
  nextId += 1;
  return `${prefix}${nextId}`;
}

/** A labelled control: the label names it for assistive technology and tests. */
export function field(label, control, hint) {
  if (!control.id) control.id = uid();
  const hintEl = hint ? h('span', { class: 'hint', id: `${control.id}-hint` }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  const checkbox = control.type === 'checkbox' || control.type === 'radio';
  return h('div', { class: checkbox ? 'field check' : 'field' },
    checkbox ? control : null,
    h('label', { for: control.id }, label),
    checkbox ? null : control,
    hintEl);
}

export function input(props) {
  return h('input', { type: 'text', ...props });
}

/** A <select>; options are [value, text] pairs. */
export function select(props, options, selected) {
  const el = h('select', props);
  for (const [value, text] of options) {
    const opt = h('option', { value }, text);
    if (String(value) === String(selected ?? '')) opt.selected = true;
    el.append(opt);
  }
  return el;
}

export function button(text, props) {
  return h('button', { type: 'button', ...props }, text);
}

/** Replaces every child of `el`. */
export function replace(el, ...children) {
  el.replaceChildren();
  appendAll(el, children);
}

/**
 * Two live regions: successes are announced politely (role=status),
 * errors at once (role=alert). Messages are whole sentences.
 */
export function notices() {
  const ok = h('p', { class: 'notice ok', role: 'status' });
  const err = h('p', { class: 'notice error', role: 'alert' });
  return {
    el: h('div', { class: 'notices' }, ok, err),
    ok(text) { err.textContent = ''; ok.textContent = text; },
    error(e) { ok.textContent = ''; err.textContent = e && e.sentence ? e.sentence : String(e); },
    clear() { ok.textContent = ''; err.textContent = ''; },
  };
}

/**
 * A table in a scrollable, keyboard-focusable region (narrow screens
 * scroll it sideways instead of the page). `columns`: [{title, cell(row)}].
 */
export function table(caption, columns, rows, empty = 'Nothing to show.') {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  const head = h('tr', null, columns.map((c) => h('th', { scope: 'col' }, c.title)));
  const body = rows.map((row) => h('tr', null, columns.map((c) => h('td', { 'data-label': c.title }, h('div', null, c.cell(row))))));
  return h('div', { class: 'table-wrap cards', role: 'region', 'aria-label': caption, tabindex: 0 },
    h('table', null, h('caption', null, caption), h('thead', null, head), h('tbody', null, body)));
}

/**
 * Cursor paging over a list route. `load(cursor)` answers the API's
 * `{items, next_cursor}`; `show(items)` draws them. Previous pages are
 * reached through the cursors already seen.
 */
export function pager(label, load, show, onError) {
  const cursors = [null];
  let index = 0;
  let next = null;
  const prev = button('Previous page', { class: 'secondary' });
  const nextBtn = button('Next page', { class: 'secondary' });
  const where = h('span', { class: 'page-no', 'aria-live': 'polite' });
  const el = h('div', { class: 'pager', role: 'group', 'aria-label': `${label} pages` }, prev, where, nextBtn);
  async function go(i) {
    try {
      const page = await load(cursors[i]);
      index = i;
      next = page.next_cursor;
      if (next && cursors.length === i + 1) cursors.push(next);
      show(page.items);
      prev.disabled = index === 0;
      nextBtn.disabled = !next;
      where.textContent = `Page ${index + 1}`;
      el.hidden = index === 0 && !next;
    } catch (e) {
      onError(e);
    }
  }
  prev.addEventListener('click', () => go(index - 1));
  nextBtn.addEventListener('click', () => go(index + 1));
  return {
    el,
    first() { cursors.length = 1; return go(0); },
    reload() { return go(index); },
  };
}

export function formatMoney(amount, currency) {
  return `${currency} ${amount}`;
}

/** `2025-03-10T14:30:00.000Z` as `2025-03-10 14:30 UTC`. */
export function formatTime(rfc3339) {
  if (!rfc3339) return '';
  return `${rfc3339.slice(0, 10)} ${rfc3339.slice(11, 16)} UTC`;
}

export function formatSeconds(seconds) {
  if (seconds === null || seconds === undefined) return 'none finished yet';
  if (seconds < 90) return `${Math.round(seconds)} s`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`;
  if (seconds < 172800) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} days`;
}

/** The end of a long id: ids made from the time share their beginning. */
export function shortId(id) {
  return id.length > 13 ? `…${id.slice(-8)}` : id;
}

/** Today as YYYY-MM-DD in UTC, shifted by `days`. */
export function utcDate(days = 0) {
  const d = new Date(Date.now() + days * 86400000);
  return d.toISOString().slice(0, 10);
}
