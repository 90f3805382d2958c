// Customer pages (the shop and "My orders"), and the orders view that
// admins share: an admin sees every order, a customer only their own (the
// API decides; the page only adds the customer column for admins).

import { api } from './api.js';
import {
  button, field, formatMoney, formatTime, h, input, notices, pager, replace, select, shortId, table,
} from './dom.js';

export const ORDER_STATUS = {
  PENDING: 'Pending', PROCESSING: 'Processing', COMPLETED: 'Completed', CANCELLED: 'Cancelled', FAILED: 'Failed',
};
const CANCELLABLE = new Set(['PENDING', 'PROCESSING']);

function idempotencyKey() {
  if (window.crypto.randomUUID) return window.crypto.randomUUID();
  const bytes = window.crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function lines(order) {
  return order.items.map((i) => `${i.quantity} × ${i.sku}`).join(', ');
}

export async function shop(section) {
  const note = notices();
  const cart = new Map();
  let key = null;
  const q = input({ type: 'search', name: 'q' });
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Shop' },
    field('Search', q, 'Part of a SKU or title'), h('button', { type: 'submit' }, 'Search'));
  const grid = h('div', { class: 'products' });
  const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
  const place = h('button', { type: 'submit' }, 'Place order');
  // Where to ship: required when Amazon fulfils orders (MCF), sent when
  // filled in. Each field's name is the API's.
  const ship = {
    name: input({ name: 'name', autocomplete: 'name', maxlength: 100 }),
    address_line1: input({ name: 'address_line1', autocomplete: 'address-line1', maxlength: 180 }),
    city: input({ name: 'city', autocomplete: 'address-level2', maxlength: 100 }),
    postal_code: input({ name: 'postal_code', autocomplete: 'postal-code', maxlength: 20 }),
    country_code: input({ name: 'country_code', autocomplete: 'country', maxlength: 2 }),
  };
  const shipTo = h('fieldset', { class: 'ship-to' }, h('legend', null, 'Ship to'),
    field('Recipient', ship.name), field('Address line', ship.address_line1), field('City', ship.city),
    field('Postal code', ship.postal_code), field('Country code', ship.country_code, 'Two capital letters, such as US'));
  for (const el of Object.values(ship)) el.addEventListener('input', () => { key = null; });
  const order = h('form', { class: 'order-bar', 'aria-label': 'Your order' }, summary, place);
  const prices = new Map();

  function updateSummary() {
    key = null; // a changed order is a new order, with a new key
    const chosen = [...cart.entries()].filter(([, n]) => n > 0);
    if (!chosen.length) {
      summary.textContent = 'Choose quantities, then place the order.';
      return;
    }
    const units = chosen.reduce((sum, [, n]) => sum + n, 0);
    const currency = prices.values().next().value?.currency || '';
    const total = chosen.reduce((sum, [sku, n]) => sum + n * Number(prices.get(sku)?.price || 0), 0);
    summary.textContent = `${units} ${units === 1 ? 'unit' : 'units'} of ${chosen.length} ${chosen.length === 1 ? 'listing' : 'listings'}, about ${currency} ${total.toFixed(2)}.`;
  }

  const page = pager('Shop', (cursor) => api('GET', '/listings', {
    query: { limit: 12, cursor, status: 'ACTIVE', q: q.value.trim() },
  }), (items) => {
    replace(grid, items.length ? items.map((l) => {
      prices.set(l.sku, l);
      const qty = input({
        type: 'number', min: 0, max: Math.max(0, l.available), step: 1, value: cart.get(l.sku) || 0, name: `qty-${l.sku}`,
      });
      qty.addEventListener('input', () => {
        const n = Number.parseInt(qty.value, 10);
        cart.set(l.sku, Number.isFinite(n) && n > 0 ? n : 0);
        updateSummary();
      });
      return h('article', { class: 'product', 'aria-label': l.title },
        h('h2', null, l.title),
        h('p', { class: 'sku' }, l.sku),
        h('p', { class: 'price' }, formatMoney(l.price, l.currency)),
        h('p', null, l.available > 0 ? `${l.available} in stock` : 'Out of stock'),
        field(`Quantity of ${l.title}`, qty));
    }) : h('p', { class: 'empty' }, 'Nothing for sale matches.'));
  }, (e) => note.error(e));

  order.addEventListener('submit', async (event) => {
    event.preventDefault();
    const items = [...cart.entries()].filter(([, n]) => n > 0).map(([sku, quantity]) => ({ sku, quantity }));
    if (!items.length) {
      note.error('Choose a quantity for at least one listing first.');
      return;
    }
    // Kept until the order succeeds or changes: a retry after a lost
    // answer replays the first order instead of placing a second one.
    key = key || idempotencyKey();
    place.disabled = true;
    try {
      const address = Object.fromEntries(Object.entries(ship)
        .map(([name, el]) => [name, el.value.trim()]).filter(([, value]) => value));
      const body = Object.keys(address).length ? { items, shipping_address: address } : { items };
      const placed = await api('POST', '/orders', { body, headers: { 'idempotency-key': key } });
      cart.clear();
      updateSummary();
      note.ok(`Order ${shortId(placed.order_id)} placed: ${lines(placed)}, ${formatMoney(placed.total_amount, placed.currency)}. Follow it in My orders.`);
      await page.reload();
    } catch (e) {
      note.error(e);
    } finally {
      place.disabled = false;
    }
  });
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    page.first();
  });
  updateSummary();
  section.append(filters, note.el, grid, page.el, shipTo, order);
  await page.first();
}

export function myOrders(section) {
  return ordersPage(section, { admin: false });
}

export async function ordersPage(section, { admin }) {
  const note = notices();
  const status = select({ name: 'status' }, [['', 'All statuses'], ...Object.entries(ORDER_STATUS)], '');
  const filters = h('form', { class: 'filters', 'aria-label': 'Filter orders' },
    field('Status', status), h('button', { type: 'submit' }, 'Filter'));
  const list = h('div');
  const detail = h('div', { class: 'detail' });

  async function cancel(order) {
    try {
      await api('POST', `/orders/${encodeURIComponent(order.order_id)}/cancel`);
      note.ok(`Order ${shortId(order.order_id)} cancelled; its stock is back on sale.`);
      replace(detail);
      await page.reload();
    } catch (e) {
      note.error(e);
    }
  }

  function actions(order) {
    const box = h('div', { class: 'row-actions' });
    const id = shortId(order.order_id);
    const normal = () => replace(box,
      button('Details', { 'aria-label': `Details of order ${id}`, onclick: () => showDetail(order) }),
      CANCELLABLE.has(order.status)
        ? button('Cancel', { class: 'danger', 'aria-label': `Cancel order ${id}`, onclick: confirm })
        : null);
    function confirm() {
      const yes = button('Yes, cancel', { class: 'danger', 'aria-label': `Yes, cancel order ${id}`, onclick: () => cancel(order) });
      replace(box, h('span', null, 'Cancel this order?'), yes,
        button('Keep it', { class: 'secondary', 'aria-label': `Keep order ${id}`, onclick: normal }));
      yes.focus();
    }
    normal();
    return box;
  }

  async function showDetail(order) {
    const rows = order.items.map((i) => h('tr', null, h('td', null, i.sku), h('td', null, String(i.quantity)), h('td', null, formatMoney(i.unit_price, order.currency))));
    const facts = [
      ['Order', order.order_id], ['Status', ORDER_STATUS[order.status] || order.status],
      ['Placed', formatTime(order.created_at)], ['Last change', formatTime(order.updated_at)],
      ['Total', formatMoney(order.total_amount, order.currency)],
    ];
    if (admin) facts.splice(1, 0, ['Customer', order.customer_id]);
    if (order.fulfillment) {
      facts.push(['Fulfilment', order.fulfillment.status]);
      for (const s of order.fulfillment.shipments) {
        const tracking = s.packages.map((p) => [p.carrier_code, p.tracking_number].filter(Boolean).join(' ')).filter(Boolean).join(', ');
        facts.push([`Shipment ${s.amazon_shipment_id}`, [s.status, tracking].filter(Boolean).join(', ')]);
      }
    }
    const heading = h('h2', { tabindex: -1 }, `Order ${shortId(order.order_id)}`);
    replace(detail, h('div', { class: 'card', role: 'region', 'aria-label': `Order ${shortId(order.order_id)} details` },
      heading,
      h('dl', { class: 'facts' }, facts.map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v)))),
      h('div', { class: 'table-wrap', role: 'region', 'aria-label': 'Order lines', tabindex: 0 },
        h('table', null, h('caption', null, 'Order lines'),
          h('thead', null, h('tr', null, ['SKU', 'Quantity', 'Unit price'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, rows))),
      button('Close details', { class: 'secondary', onclick: () => replace(detail) })));
    heading.focus();
  }

  const columns = [
    { title: 'Order', cell: (o) => h('span', { title: o.order_id }, shortId(o.order_id)) },
    admin ? { title: 'Customer', cell: (o) => shortId(o.customer_id) } : null,
    { title: 'Placed', cell: (o) => formatTime(o.created_at) },
    { title: 'Status', cell: (o) => h('span', { class: `badge ${o.status.toLowerCase()}` }, ORDER_STATUS[o.status] || o.status) },
    { title: 'Items', cell: lines },
    { title: 'Total', cell: (o) => formatMoney(o.total_amount, o.currency) },
    { title: 'Actions', cell: actions },
  ].filter(Boolean);
  const page = pager('Orders', (cursor) => api('GET', '/orders', { query: { limit: 20, cursor, status: status.value } }),
    (items) => replace(list, table(admin ? 'Orders, newest first' : 'Your orders, newest first', columns, items, 'No orders yet.')),
    (e) => note.error(e));
  filters.addEventListener('submit', (event) => {
    event.preventDefault();
    replace(detail);
    page.first();
  });
  section.append(filters, note.el, detail, list, page.el);
  await page.first();
}
