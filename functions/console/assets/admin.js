// Admin pages: the dashboard, orders and listings.

import { all, api } from './api.js';
import { chart } from './charts.js';
import {
  button, field, formatMoney, formatSeconds, h, input, notices, pager, replace, select, table, utcDate,
} from './dom.js';
import { ORDER_STATUS, ordersPage } from './shop.js';

function stat(label, value, link) {
  const text = String(value);
  return h('div', { class: 'stat' }, h('dt', null, label),
    h('dd', { class: text.length > 12 ? 'words' : null }, link ? h('a', { href: link }, text) : text));
}

function countText({ items, complete }) {
  return complete ? String(items.length) : `${items.length} or more`;
}

export async function dashboard(section) {
  const note = notices();
  const from = input({ type: 'date', name: 'from', value: utcDate(-29), required: true });
  const to = input({ type: 'date', name: 'to', value: utcDate(0), required: true });
  const grains = [['day', 'Day'], ['week', 'Week'], ['month', 'Month']].map(([value, text], i) => {
    const radio = h('input', { type: 'radio', name: 'granularity', value, checked: i === 0 });
    return field(text, radio);
  });
  const group = h('fieldset', { class: 'radios' }, h('legend', null, 'Group by'), grains);
  const form = h('form', { class: 'filters', 'aria-label': 'Date range' },
    field('From', from), field('To', to), group, h('button', { type: 'submit' }, 'Show'));
  const stats = h('dl', { class: 'stats' });
  const statuses = h('dl', { class: 'stats statuses' });
  const charts = h('div', { class: 'charts' });
  section.append(form, note.el, stats,
    h('h2', null, 'Orders by status'), statuses,
    h('h2', null, 'Orders over time'), charts);

  async function load() {
    note.clear();
    const granularity = form.querySelector('input[name="granularity"]:checked').value;
    try {
      const [analytics, metrics, low, waiting] = await Promise.all([
        api('GET', '/analytics/orders', { query: { from: from.value, to: to.value, granularity } }),
        api('GET', '/metrics'),
        all('/listings', { low_stock: 'true' }),
        all('/reorders', { status: 'PENDING_APPROVAL' }),
      ]);
      const { totals, currency } = analytics;
      replace(stats,
        stat('Orders in range', totals.order_count),
        stat('Order value in range', formatMoney(totals.order_value, currency)),
        stat('Orders, all time', metrics.total_orders),
        stat('Average processing time', formatSeconds(metrics.average_processing_seconds)),
        stat('Low-stock listings', countText(low), '#/listings'),
        stat('Reorders awaiting approval', countText(waiting), '#/reorders'));
      replace(statuses, Object.entries(ORDER_STATUS)
        .map(([status, name]) => stat(name, metrics.status_counts[status] ?? 0)));
      const x = analytics.buckets.map((b) => b.start);
      // Side by side when there is room (see .charts in app.css), less the box's padding.
      const room = section.clientWidth;
      const width = (room >= 976 ? (room - 16) / 2 : room) - 26;
      const per = `per ${analytics.granularity}`;
      const range = `from ${analytics.from} to ${analytics.to}`;
      replace(charts,
        chart({
          title: `Order count ${per}`,
          summary: `Order count ${per} ${range}: ${totals.order_count} orders in all`,
          x,
          width,
          series: [{ name: 'orders', kind: 'bar', axis: 'left', values: analytics.buckets.map((b) => b.order_count), css: 'a' }],
        }),
        chart({
          title: `Order value ${per} (${currency})`,
          summary: `Order value ${per} ${range}: ${formatMoney(totals.order_value, currency)} in all`,
          x,
          width,
          series: [{ name: currency, kind: 'bar', axis: 'left', values: analytics.buckets.map((b) => Number(b.order_value)), css: 'b' }],
        }));
    } catch (e) {
      note.error(e);
    }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    load();
  });
  await load();
}

export function orders(section) {
  return ordersPage(section, { admin: true });
}

const LISTING_STATUS = [['ACTIVE', 'Active (buyable)'], ['INACTIVE', 'Inactive'], ['DELETED', 'Deleted']];

function numberOrUndefined(el) {
  return el.value === '' ? undefined : Number(el.value);
}

export async function listings(section) {
  const note = notices();
  const q = input({ type: 'search', name: 'q' });
  const low = h('input', { type: 'checkbox', name: 'low_stock' });
  const status = select({ name: 'status' }, [['', 'Any status'], ...LISTING_STATUS], '');
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Listings' },
    field('Search', q, 'Part of a SKU or title'), field('Status', status), field('Low stock only', low),
    h('button', { type: 'submit' }, 'Search'));
  const editor = h('div', { class: 'editor' });
  const list = h('div');
  let suppliers = [];
  const page = pager('Listings', (cursor) => api('GET', '/listings', {
    query: { limit: 20, cursor, q: q.value.trim(), status: status.value, low_stock: low.checked ? 'true' : '' },
  }), (items) => replace(list, table('Listings', [
    { title: 'SKU', cell: (l) => l.sku },
    { title: 'Title', cell: (l) => l.title },
    { title: 'Price', cell: (l) => formatMoney(l.price, l.currency) },
    { title: 'Available', cell: (l) => [String(l.available), l.low_stock ? h('span', { class: 'badge warn' }, 'Low') : null] },
    { title: 'Status', cell: (l) => l.status },
    { title: 'Reorder point', cell: (l) => String(l.reorder_point) },
    { title: 'Supplier', cell: (l) => l.supplier_id || '' },
    {
      title: 'Actions',
      cell: (l) => h('div', { class: 'row-actions' },
        button('Edit', { 'aria-label': `Edit ${l.sku}`, onclick: () => edit(l) }),
        button('Adjust stock', { 'aria-label': `Adjust stock of ${l.sku}`, onclick: () => adjust(l) })),
    },
  ], items, 'No listing matches.')), (e) => note.error(e));

  function close() {
    replace(editor);
  }

  function edit(listing) {
    note.clear();
    const creating = !listing;
    const l = listing || { status: 'ACTIVE' };
    const sku = input({ name: 'sku', value: l.sku || '', required: true, readonly: !creating, autocapitalize: 'characters' });
    const title = input({ name: 'title', value: l.title || '', required: true, maxlength: 200 });
    const price = input({ name: 'price', value: l.price || '', required: true, inputmode: 'decimal', pattern: '[0-9]+(\\.[0-9]{1,4})?' });
    const stock = input({ name: 'available', type: 'number', min: 0, step: 1, value: creating ? '0' : '' });
    const state = select({ name: 'status' }, LISTING_STATUS, l.status);
    const supplier = select({ name: 'supplier_id' }, [['', 'No supplier'], ...suppliers.map((s) => [s.supplier_id, `${s.name} (${s.supplier_id})`])], l.supplier_id || '');
    const point = input({ name: 'reorder_point', type: 'number', min: 0, step: 1, value: l.reorder_point ?? '' });
    const quantity = input({ name: 'reorder_quantity', type: 'number', min: 0, step: 1, value: l.reorder_quantity ?? '' });
    const lead = input({ name: 'lead_time_days', type: 'number', min: 0, max: 365, step: 1, value: l.lead_time_days ?? '' });
    const auto = h('input', { type: 'checkbox', name: 'auto_reorder_point', checked: !!l.auto_reorder_point });
    const form = h('form', { class: 'card', 'aria-label': creating ? 'New listing' : `Edit ${l.sku}` },
      h('h2', null, creating ? 'New listing' : `Edit ${l.sku}`),
      h('div', { class: 'grid' },
        field('SKU', sku), field('Title', title), field('Price', price, 'A decimal, e.g. 12.50'),
        creating ? field('Stock', stock, 'Units on hand') : null,
        field('Status', state), field('Supplier', supplier),
        field('Reorder point', point, 'Empty: the default'), field('Reorder quantity', quantity, 'Empty: the default'),
        field('Lead time (days)', lead, 'Empty: the default')),
      field('Let the forecast set the reorder point', auto),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save listing'), button('Close', { class: 'secondary', onclick: close })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const body = {
        title: title.value.trim(),
        price: price.value.trim(),
        status: state.value,
        supplier_id: supplier.value || undefined,
        reorder_point: numberOrUndefined(point),
        reorder_quantity: numberOrUndefined(quantity),
        lead_time_days: numberOrUndefined(lead),
        auto_reorder_point: auto.checked,
        available: creating ? numberOrUndefined(stock) : undefined,
      };
      const code = sku.value.trim();
      try {
        await api('PUT', `/listings/${encodeURIComponent(code)}`, { body });
        close();
        note.ok(creating ? `Listing ${code} created.` : `Listing ${code} saved.`);
        await page.reload();
      } catch (e) {
        note.error(e);
      }
    });
    replace(editor, form);
    (creating ? sku : title).focus();
  }

  function adjust(l) {
    note.clear();
    const delta = input({ name: 'delta', type: 'number', step: 1, required: true });
    const reason = input({ name: 'reason', required: true, maxlength: 200 });
    const form = h('form', { class: 'card', 'aria-label': `Adjust stock of ${l.sku}` },
      h('h2', null, `Adjust stock of ${l.sku}`),
      h('p', null, `${l.available} available now.`),
      h('div', { class: 'grid' },
        field('Change in units', delta, 'Negative to remove units'), field('Reason', reason, 'For example: stock count')),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save adjustment'), button('Close', { class: 'secondary', onclick: close })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      try {
        const after = await api('POST', `/listings/${encodeURIComponent(l.sku)}/stock`, {
          body: { delta: Number(delta.value), reason: reason.value.trim() },
        });
        close();
        note.ok(`Stock of ${l.sku} adjusted: ${after.available} available.`);
        await page.reload();
      } catch (e) {
        note.error(e);
      }
    });
    replace(editor, form);
    delta.focus();
  }

  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    page.first();
  });
  section.append(filters, h('div', { class: 'actions' }, button('New listing', { onclick: () => edit(null) })),
    note.el, editor, list, page.el);
  try {
    suppliers = (await all('/suppliers', {})).items;
  } catch (e) {
    note.error(e);
  }
  await page.first();
}
