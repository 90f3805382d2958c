// Small SVG charts drawn by hand (no charting library to vendor). Each is
// a figure whose SVG has role="img" and an accessible name that states the
// gist, with the numbers in a table under "Chart data" for anyone who
// cannot see the drawing.

import { h, s } from './dom.js';

const H = 250;
const PAD = { left: 48, right: 48, top: 30, bottom: 30 };
const TICKS = 4;

/** The smallest round top of an axis at or above `value`, in TICKS even steps. */
function niceMax(value) {
  if (!(value > 0)) return TICKS;
  const rough = value / TICKS;
  const power = 10 ** Math.floor(Math.log10(rough));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (rough <= step * power) return TICKS * step * power;
  }
  return TICKS * 10 * power;
}

function label(value) {
  if (Math.abs(value) >= 1000) return `${Math.round(value / 100) / 10}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

/**
 * `x`: the category labels (dates). `series`: [{name, kind: 'bar' | 'line'
 * | 'rule', axis: 'left' | 'right', values (per x; a rule has one value),
 * css}]. `axes`: {left, right} titles. `summary`: the accessible name.
 * `width`: the width it will be shown at, so that text is drawn at its
 * real size (the drawing still scales if the window changes).
 */
export function chart({ title, summary, x, series, axes, width = 640, format = label }) {
  const W = Math.max(300, Math.round(width));
  const hasRight = series.some((v) => v.axis === 'right');
  const right = hasRight ? PAD.right : 12;
  const plotW = W - PAD.left - right;
  const plotH = H - PAD.top - PAD.bottom;
  const maxOf = (axis) => niceMax(Math.max(0, ...series.filter((v) => v.axis === axis)
    .flatMap((v) => v.values).filter((v) => Number.isFinite(v))));
  const max = { left: maxOf('left'), right: maxOf('right') };
  const slot = plotW / Math.max(1, x.length);
  const xAt = (i) => PAD.left + slot * (i + 0.5);
  const yAt = (value, axis) => PAD.top + plotH - (plotH * value) / max[axis];

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': summary, class: 'chart' },
    s('title', null, summary));
  for (let i = 0; i <= TICKS; i += 1) {
    const y = PAD.top + (plotH * i) / TICKS;
    svg.append(s('line', { x1: PAD.left, x2: W - right, y1: y, y2: y, class: 'gridline' }));
    svg.append(s('text', { x: PAD.left - 6, y: y + 4, class: 'tick', 'text-anchor': 'end' }, format(max.left * (1 - i / TICKS))));
    if (hasRight) {
      svg.append(s('text', { x: W - right + 6, y: y + 4, class: 'tick' }, format(max.right * (1 - i / TICKS))));
    }
  }
  // One date label per 64 px or so.
  const every = Math.max(1, Math.ceil(x.length / Math.max(2, Math.floor(plotW / 64))));
  x.forEach((name, i) => {
    if (i % every === 0) {
      svg.append(s('text', { x: xAt(i), y: H - PAD.bottom + 18, class: 'tick', 'text-anchor': 'middle' }, name.slice(5)));
    }
  });
  for (const one of series) {
    if (one.kind === 'bar') {
      const width = Math.max(1, slot * 0.7);
      one.values.forEach((value, i) => {
        if (!Number.isFinite(value)) return;
        const y = yAt(value, one.axis);
        svg.append(s('rect', { x: xAt(i) - width / 2, y, width, height: PAD.top + plotH - y, class: `bar ${one.css}` },
          s('title', null, `${x[i]}: ${format(value)} ${one.name}`)));
      });
    } else if (one.kind === 'line') {
      const points = one.values.map((value, i) => (Number.isFinite(value) ? `${xAt(i)},${yAt(value, one.axis)}` : null)).filter(Boolean);
      if (points.length) svg.append(s('polyline', { points: points.join(' '), class: `line ${one.css}` }));
    } else if (one.kind === 'rule') {
      const y = yAt(one.values[0], one.axis);
      svg.append(s('line', { x1: PAD.left, x2: W - right, y1: y, y2: y, class: `rule ${one.css}` },
        s('title', null, `${one.name}: ${format(one.values[0])}`)));
    }
  }
  if (axes) {
    if (axes.left) svg.append(s('text', { x: 4, y: 14, class: 'axis-title' }, axes.left));
    if (axes.right) svg.append(s('text', { x: W - 4, y: 14, class: 'axis-title', 'text-anchor': 'end' }, axes.right));
  }
  const legend = series.length > 1
    ? h('ul', { class: 'legend' }, series.map((one) => h('li', null, h('span', { class: `swatch ${one.kind} ${one.css}`, 'aria-hidden': 'true' }), one.name)))
    : null;
  const rows = x.map((name, i) => h('tr', null, h('th', { scope: 'row' }, name),
    series.filter((v) => v.kind !== 'rule').map((v) => h('td', null, Number.isFinite(v.values[i]) ? format(v.values[i]) : ''))));
  const data = h('details', { class: 'chart-data' }, h('summary', null, 'Chart data'),
    h('div', { class: 'table-wrap', role: 'region', 'aria-label': `${title} data`, tabindex: 0 },
      h('table', null,
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Date'), series.filter((v) => v.kind !== 'rule').map((v) => h('th', { scope: 'col' }, v.name)))),
        h('tbody', null, rows))));
  return h('figure', { class: 'chart-box' }, h('figcaption', null, title), svg, legend, data);
}
