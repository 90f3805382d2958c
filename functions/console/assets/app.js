// The console shell: sign-in, navigation and page switching. Pages live in
// admin.js, stock.js, assistant.js and shop.js; each draws into <main> and resolves when
// its data is shown. Routes are URL fragments (#/orders), so the server
// only ever serves one page and history works without it.

import { current, register, signIn, signOut, whenSignedOut } from './api.js';
import { button, field, h, input, notices, replace } from './dom.js';
import { dashboard, orders, listings } from './admin.js';
import { suppliers, reorders, forecasts } from './stock.js';
import { shop, myOrders } from './shop.js';
import { assistant } from './assistant.js';

const PAGES = {
  admin: [
    ['dashboard', 'Dashboard', dashboard],
    ['orders', 'Orders', orders],
    ['listings', 'Listings', listings],
    ['suppliers', 'Suppliers', suppliers],
    ['reorders', 'Reorders', reorders],
    ['forecasts', 'Forecasts', forecasts],
    ['assistant', 'Assistant', assistant],
  ],
  customer: [
    ['shop', 'Shop', shop],
    ['my-orders', 'My orders', myOrders],
  ],
};

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const account = document.getElementById('account');
let drawing = 0;

function routeName() {
  const hash = window.location.hash;
  return hash.startsWith('#/') ? hash.slice(2) : null;
}

function drawChrome(user) {
  if (!user) {
    replace(nav);
    replace(account);
    return;
  }
  const links = PAGES[user.role].map(([name, title]) => h('a', { href: `#/${name}`, 'data-page': name }, title));
  replace(nav, h('ul', null, links.map((a) => h('li', null, a))));
  replace(account,
    h('span', { class: 'who' }, `Signed in as ${user.username}`),
    button('Sign out', { class: 'secondary', onclick: () => { signOut(); show(); } }));
}

async function show() {
  const user = current();
  drawChrome(user);
  const run = ++drawing;
  main.removeAttribute('data-ready');
  if (!user) {
    main.dataset.page = 'sign-in';
    signInPage();
    main.dataset.ready = 'sign-in';
    return;
  }
  const pages = PAGES[user.role];
  const found = pages.find(([name]) => name === routeName()) || pages[0];
  const [name, title, draw] = found;
  if (routeName() !== name) {
    window.history.replaceState(null, '', `#/${name}`);
  }
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.page === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${title} · Stockroom`;
  main.dataset.page = name;
  main.setAttribute('aria-busy', 'true');
  const heading = h('h1', { tabindex: -1 }, title);
  const section = h('section', { 'aria-labelledby': 'page-title' });
  heading.id = 'page-title';
  replace(main, heading, section);
  heading.focus({ preventScroll: true });
  await draw(section, { user });
  if (run !== drawing) return;
  main.removeAttribute('aria-busy');
  window.requestAnimationFrame(() => {
    if (run !== drawing) return;
    performance.mark(`stockroom:drawn:${name}`);
    main.dataset.ready = name;
  });
}

function signInPage() {
  document.title = 'Sign in · Stockroom';
  const note = notices();
  const username = input({ name: 'username', autocomplete: 'username', required: true });
  const password = input({ name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const create = button('Create account', { class: 'secondary' });
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'page-title' },
    field('Username', username), field('Password', password),
    h('div', { class: 'actions' }, submit, create), note.el);
  const busy = (on) => { submit.disabled = on; create.disabled = on; };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    performance.clearMarks();
    performance.mark('stockroom:sign-in');
    busy(true);
    try {
      await signIn(username.value.trim(), password.value);
      performance.mark('stockroom:signed-in');
      await show();
    } catch (e) {
      note.error(e);
      busy(false);
    }
  });
  create.addEventListener('click', async () => {
    if (!form.reportValidity()) return;
    busy(true);
    try {
      await register(username.value.trim(), password.value);
      await signIn(username.value.trim(), password.value);
      await show();
    } catch (e) {
      note.error(e);
      busy(false);
    }
  });
  const heading = h('h1', { id: 'page-title', tabindex: -1 }, 'Sign in');
  replace(main, heading,
    h('p', { class: 'lead' }, 'Sign in to run the shop, or to shop. New customers can create an account with a username and a password of at least 8 characters.'),
    form);
  username.focus();
}

whenSignedOut(() => {
  show().then(() => {
    const alert = main.querySelector('[role="alert"]');
    if (alert) alert.textContent = 'Your session has ended. Sign in again.';
  });
});

window.addEventListener('hashchange', () => {
  if (routeName() !== null) show();
});

if (window.location.pathname === '/dashboard' && !routeName()) {
  window.history.replaceState(null, '', '/#/dashboard');
}
show();
