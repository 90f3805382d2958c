// The HTTP API client: the bearer token, JSON, and errors turned into
// sentences a person can act on. The token lives in sessionStorage (gone
// with the tab) and is dropped on sign-out and on any 401.

const KEY = 'stockroom.session';
let session = null;
let onSignedOut = () => {};

/** A failed call. `sentence` is what the page shows. */
export class ApiError extends Error {
  constructor(status, code, sentence, details) {
    super(sentence);
    this.status = status;
    this.code = code;
    this.sentence = sentence;
    this.details = details;
  }
}

const FIELDS = {
  sku: 'SKU', title: 'Title', price: 'Price', available: 'Stock', status: 'Status',
  supplier_id: 'Supplier', reorder_point: 'Reorder point', reorder_quantity: 'Reorder quantity',
  lead_time_days: 'Lead time', delta: 'Change', reason: 'Reason', quantity: 'Quantity',
  rating: 'Rating', email: 'Email', name: 'Name', username: 'Username', password: 'Password',
  from: 'From', to: 'To', granularity: 'Group by', items: 'Order lines', currency: 'Currency',
};

/** `text` with a capital letter and a full stop. */
export function asSentence(text) {
  const t = String(text || '').trim();
  if (!t) return '';
  const capital = t[0].toUpperCase() + t.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** The sentence for an error answer of the API. */
export function describe(status, body) {
  const error = body && body.error ? body.error : {};
  const details = error.details || {};
  if (error.code === 'insufficient_stock' && Array.isArray(details.items)) {
    const parts = details.items.map((i) => `${i.sku} (${i.requested} requested, ${i.available} available)`);
    return `Not enough stock for ${parts.join(', ')}. Nothing was ordered; lower the quantity and try again.`;
  }
  let message = error.message || '';
  const field = details.field;
  if (field && message.startsWith(`${field}: `)) {
    message = `${FIELDS[field] || field} ${message.slice(field.length + 2)}`;
  }
  if (error.code === 'assistant_not_configured') {
    return 'The assistant is not set up here: it needs ASSISTANT_API_BASE and ASSISTANT_MODEL.';
  }
  if (error.code === 'assistant_unavailable') {
    return 'The assistant\'s language model did not answer. Try again in a moment.';
  }
  if (status === 403) return 'Your account is not allowed to do this.';
  if (status === 503) return 'Stockroom is briefly unavailable. Wait a moment and try again.';
  if (status >= 500) return 'Something went wrong on Stockroom\'s side. Try again later.';
  if (message) return asSentence(message);
  return `The request failed (HTTP ${status}).`;
}

function decodeClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
  } catch {
    return {};
  }
}

export function current() {
  if (session) return session;
  try {
    session = JSON.parse(sessionStorage.getItem(KEY));
  } catch {
    session = null;
  }
  if (session && !(session.expires > Date.now())) signOut();
  return session;
}

export function signOut() {
  session = null;
  sessionStorage.removeItem(KEY);
}

/** Called (once per expiry) when the API answers 401 to a signed-in call. */
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

export async function signIn(username, password) {
  const body = await api('POST', '/auth/token', { body: { username, password }, anonymous: true });
  // The role only chooses which pages to show; the API enforces it.
  const claims = decodeClaims(body.access_token);
  session = {
    token: body.access_token,
    username,
    role: claims.role === 'admin' ? 'admin' : 'customer',
    expires: Date.now() + body.expires_in * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function register(username, password) {
  return api('POST', '/auth/register', { body: { username, password }, anonymous: true });
}

/**
 * Calls the API: `query` values that are empty are left out. Answers the
 * JSON body (null for 204); throws ApiError with a sentence otherwise.
 */
export async function api(method, path, { query, body, headers, anonymous } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== '') url.searchParams.set(k, v);
  }
  const sent = { accept: 'application/json', ...headers };
  if (body !== undefined) sent['content-type'] = 'application/json';
  const signedIn = !anonymous && current();
  if (signedIn) sent.authorization = `Bearer ${signedIn.token}`;
  let res;
  try {
    res = await fetch(url, { method, headers: sent, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', 'Stockroom could not be reached. Check the connection and try again.');
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    data = null;
  }
  if (res.status === 401 && signedIn) {
    signOut();
    onSignedOut();
    throw new ApiError(401, 'signed_out', 'Your session has ended. Sign in again.');
  }
  if (!res.ok) {
    const code = data && data.error ? data.error.code : 'http';
    throw new ApiError(res.status, code, describe(res.status, data), data && data.error ? data.error.details : undefined);
  }
  return data;
}

/** Every item of a list route, page by page, up to `max` items. */
export async function all(path, query, max = 1000) {
  const items = [];
  let cursor = null;
  do {
    const page = await api('GET', path, { query: { ...query, limit: 100, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return { items, complete: !cursor };
}
