// Admin pages for restocking: suppliers, reorders and forecasts.

import { all, api } from './api.js';
import { chart } from './charts.js';
import {
  button, field, formatTime, h, input, notices, pager, replace, select, table, utcDate,
} from './dom.js';

const RATINGS = [[1, '1 (poor)'], [2, '2'], [3, '3'], [4, '4'], [5, '5 (excellent)']];

export async function suppliers(section) {
  const note = notices();
  const editor = h('div', { class: 'editor' });
  const list = h('div');
  const close = () => replace(editor);
  const page = pager('Suppliers', (cursor) => api('GET', '/suppliers', { query: { limit: 20, cursor } }),
    (items) => replace(list, table('Suppliers', [
      { title: 'Id', cell: (s) => s.supplier_id },
      { title: 'Name', cell: (s) => s.name },
      { title: 'Email', cell: (s) => s.email },
      { title: 'Rating', cell: (s) => `${s.rating} of 5` },
      { title: 'Reorders', cell: (s) => (s.subpar ? h('span', { class: 'badge warn' }, 'Need approval') : 'Sent at once') },
      { title: 'Actions', cell: (s) => button('Edit', { 'aria-label': `Edit supplier ${s.supplier_id}`, onclick: () => edit(s) }) },
    ], items, 'No suppliers yet.')), (e) => note.error(e));

  function edit(supplier) {
    note.clear();
    const creating = !supplier;
    const s = supplier || { rating: 3 };
    const id = input({ name: 'supplier_id', value: s.supplier_id || '', required: true, readonly: !creating, pattern: '[A-Za-z0-9._\\-]+' });
    const name = input({ name: 'name', value: s.name || '', required: true, maxlength: 200 });
    const email = input({ name: 'email', type: 'email', value: s.email || '', required: true });
    const rating = select({ name: 'rating' }, RATINGS, s.rating);
    const manual = h('input', { type: 'checkbox', name: 'manual_approval', checked: !!s.manual_approval });
    const form = h('form', { class: 'card', 'aria-label': creating ? 'New supplier' : `Edit supplier ${s.supplier_id}` },
      h('h2', null, creating ? 'New supplier' : `Edit supplier ${s.supplier_id}`),
      h('div', { class: 'grid' },
        field('Supplier id', id, 'Letters, digits, dot, dash or underscore'), field('Name', name),
        field('Email', email, 'Where reorders are mailed'), field('Rating', rating, 'Low ratings need approval')),
      field('Every reorder needs approval', manual),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save supplier'), button('Close', { class: 'secondary', onclick: close })));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const code = id.value.trim();
      try {
        await api('PUT', `/suppliers/${encodeURIComponent(code)}`, {
          body: { name: name.value.trim(), email: email.value.trim(), rating: Number(rating.value), manual_approval: manual.checked },
        });
        close();
        note.ok(creating ? `Supplier ${code} created.` : `Supplier ${code} saved.`);
        await page.reload();
      } catch (e) {
        note.error(e);
      }
    });
    replace(editor, form);
    (creating ? id : name).focus();
  }

  section.append(h('div', { class: 'actions' }, button('New supplier', { onclick: () => edit(null) })), note.el, editor, list, page.el);
  await page.first();
}

const REORDER_STATUS = {
  PENDING_APPROVAL: 'Awaiting approval', QUEUED: 'Queued', SENDING: 'Sending', SENT: 'Sent', RECEIVED: 'Received', REJECTED: 'Rejected', CANCELLED: 'Cancelled', MAIL_FAILED: 'Mail failed',
};
// Statuses an admin may cancel from: not on its way to the supplier.
const CANCELLABLE = new Set(['PENDING_APPROVAL', 'QUEUED', 'MAIL_FAILED']);
const MAIL_FAILURES = { rejected: 'refused by the mail service', retry_cap: 'every attempt failed' };
const REASONS = { low_stock: 'Low stock', forecast: 'Forecast' };

export async function reorders(section) {
  const note = notices();
  const status = select({ name: 'status' }, [['', 'All statuses'], ...Object.entries(REORDER_STATUS)], '');
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter reorders' }, field('Status', status), h('button', { type: 'submit' }, 'Filter'));
  const list = h('div');

  async function act(r, verb, body, done) {
    try {
      await api('POST', `/reorders/${encodeURIComponent(r.reorder_id)}/${verb}`, { body });
      note.ok(done);
      await page.reload();
    } catch (e) {
      note.error(e);
    }
  }

  function actions(r) {
    const box = h('div', { class: 'row-actions' });
    if (r.status === 'PENDING_APPROVAL') {
      box.append(
        button('Approve', { 'aria-label': `Approve reorder of ${r.sku}`, onclick: () => act(r, 'approve', undefined, `Reorder of ${r.quantity} × ${r.sku} approved; it is mailed to ${r.supplier_id}.`) }),
        button('Reject', { class: 'danger', 'aria-label': `Reject reorder of ${r.sku}`, onclick: () => act(r, 'reject', undefined, `Reorder of ${r.sku} rejected; it will not be mailed.`) }),
      );
    } else if (r.status === 'SENT') {
      box.append(button('Receive', {
        'aria-label': `Receive reorder of ${r.sku}`,
        onclick: () => {
          const qty = input({ type: 'number', name: 'quantity', min: 1, step: 1, value: r.quantity, required: true });
          const form = h('form', { class: 'inline', 'aria-label': `Receive ${r.sku}` }, field('Units received', qty),
            h('button', { type: 'submit' }, 'Record delivery'));
          form.addEventListener('submit', (event) => {
            event.preventDefault();
            act(r, 'receive', { quantity: Number(qty.value) }, `${qty.value} × ${r.sku} received and added to stock.`);
          });
          replace(box, form);
          qty.focus();
        },
      }));
    }
    if (CANCELLABLE.has(r.status)) {
      box.append(button('Cancel', { class: 'danger', 'aria-label': `Cancel reorder of ${r.sku}`, onclick: () => act(r, 'cancel', undefined, `Reorder of ${r.sku} cancelled; the SKU can be reordered.`) }));
    }
    return box;
  }

  const page = pager('Reorders', (cursor) => api('GET', '/reorders', { query: { limit: 20, cursor, status: status.value } }),
    (items) => replace(list, table('Reorders, newest first', [
      { title: 'Raised', cell: (r) => formatTime(r.created_at) },
      { title: 'SKU', cell: (r) => r.sku },
      { title: 'Supplier', cell: (r) => r.supplier_id },
      { title: 'Quantity', cell: (r) => String(r.quantity) },
      { title: 'Reason', cell: (r) => REASONS[r.reason] || r.reason },
      { title: 'Status', cell: (r) => [h('span', { class: `badge ${r.status.toLowerCase()}` }, REORDER_STATUS[r.status] || r.status),
        r.mail_failure ? h('span', { class: 'hint', title: r.mail_failure.detail }, ` (${MAIL_FAILURES[r.mail_failure.cause] || r.mail_failure.cause})`) : null] },
      { title: 'Actions', cell: actions },
    ], items, 'No reorders.')), (e) => note.error(e));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    page.first();
  });
  section.append(filters, note.el, list, page.el);
  await page.first();
}

const HISTORY_DAYS = 56;

/** Units of `sku` sold per day over the last HISTORY_DAYS, from the orders list. */
async function salesHistory(sku) {
  const since = utcDate(-HISTORY_DAYS + 1);
  const { items, complete } = await all('/orders', {}, 1000);
  const perDay = new Map();
  for (const order of items) {
    const day = order.created_at.slice(0, 10);
    if (day < since || order.status === 'CANCELLED' || order.status === 'FAILED') continue;
    for (const line of order.items) {
      if (line.sku === sku) perDay.set(day, (perDay.get(day) || 0) + line.quantity);
    }
  }
  const days = [];
  for (let i = -HISTORY_DAYS + 1; i <= 0; i += 1) days.push(utcDate(i));
  return { days, sold: days.map((d) => perDay.get(d) || 0), complete };
}

function addDays(date, n) {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86400000).toISOString().slice(0, 10);
}

export async function forecasts(section) {
  const note = notices();
  const sku = input({ name: 'sku', list: 'skus', required: true, autocapitalize: 'characters' });
  const options = h('datalist', { id: 'skus' });
  const form = h('form', { class: 'filters', 'aria-label': 'Forecast' }, field('SKU', sku), options, h('button', { type: 'submit' }, 'Show forecast'));
  const out = h('div');
  section.append(h('p', { class: 'lead' }, 'Sales history, the latest daily forecast, safety stock and reorder point of one SKU.'), form, note.el, out);

  async function show(code) {
    note.clear();
    replace(out);
    try {
      const [forecast, listing, history] = await Promise.all([
        api('GET', `/forecasts/${encodeURIComponent(code)}`),
        api('GET', `/listings/${encodeURIComponent(code)}`),
        salesHistory(code),
      ]);
      const future = forecast.daily.map((_, i) => addDays(forecast.start_date, i));
      // The forecast starts today or tomorrow: history up to its first day.
      const start = history.days.indexOf(future[0]);
      const offset = start >= 0 ? start : history.days.length;
      const x = [...history.days.slice(0, offset), ...future];
      const at = (values, from) => x.map((_, i) => (i - from >= 0 && i - from < values.length ? values[i - from] : NaN));
      let stock = listing.available;
      const projected = forecast.daily.map((d) => { stock = Math.max(0, stock - d); return stock; });
      const sold = history.sold.reduce((a, b) => a + b, 0);
      const round = (v) => Math.round(v * 10) / 10;
      replace(out,
        chart({
          title: `${code}: sales and forecast`,
          summary: `Sales and forecast of ${code}: ${sold} units sold in the last ${HISTORY_DAYS} days, about ${round(forecast.lead_time_demand)} expected over the lead time; reorder point ${round(forecast.reorder_point)}, safety stock ${round(forecast.safety_stock)} units`,
          x,
          width: section.clientWidth - 26,
          axes: { left: 'units per day', right: 'units in stock' },
          series: [
            { name: 'Units sold per day', kind: 'bar', axis: 'left', values: at(history.sold, 0), css: 'a' },
            { name: 'Forecast units per day', kind: 'line', axis: 'left', values: at(forecast.daily, offset), css: 'b' },
            { name: 'Projected stock', kind: 'line', axis: 'right', values: at(projected, offset), css: 'c' },
            { name: `Reorder point (${round(forecast.reorder_point)})`, kind: 'rule', axis: 'right', values: [forecast.reorder_point], css: 'd' },
            { name: `Safety stock (${round(forecast.safety_stock)})`, kind: 'rule', axis: 'right', values: [forecast.safety_stock], css: 'e' },
          ],
        }),
        history.complete ? null : h('p', { class: 'hint' }, 'Sales history is added up from the latest 1000 orders only.'),
        h('dl', { class: 'facts' }, [
          ['Method', forecast.method], ['Demand', forecast.class], ['Available now', String(listing.available)],
          ['Lead time', `${forecast.lead_time_days} days`], ['Service level', `${Math.round(forecast.service_level * 1000) / 10}%`],
          ['Lead-time demand', String(round(forecast.lead_time_demand))], ['Safety stock', String(round(forecast.safety_stock))],
          ['Reorder point', String(round(forecast.reorder_point))], ['Projected stockout', forecast.projected_stockout || 'not within a year'],
          ['Generated', formatTime(forecast.generated_at)],
        ].map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v)))));
    } catch (e) {
      if (e.status === 404) {
        note.error(`There is no forecast for ${code} yet: the daily demand forecast has not run for it, or the SKU does not exist.`);
      } else {
        note.error(e);
      }
    }
  }
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    show(sku.value.trim());
  });
  try {
    const { items } = await all('/listings', {}, 500);
    replace(options, items.map((l) => h('option', { value: l.sku }, l.title)));
  } catch (e) {
    note.error(e);
  }
}
