// The assistant page (admin): a conversation with the inventory assistant.
// The whole conversation is sent each time (the API keeps no state); the
// reply is shown as text, with the read-only lookups it made.

import { api } from './api.js';
import { field, h, notices, replace } from './dom.js';

const MAX_MESSAGES = 20;
const MAX_CHARS = 4000;

export async function assistant(section) {
  const note = notices();
  const turns = [];
  const log = h('ol', { class: 'transcript', 'aria-label': 'Conversation', 'aria-live': 'polite' });
  const question = h('textarea', { name: 'question', rows: 3, maxlength: MAX_CHARS, required: true });
  const send = h('button', { type: 'submit' }, 'Ask');
  const form = h('form', { class: 'card', 'aria-label': 'Ask the assistant' },
    field('Your question', question, 'For example: which listings are low, and is a reorder waiting for them?'),
    h('div', { class: 'actions' }, send), note.el);

  function draw() {
    replace(log, turns.map((t) => h('li', { class: `turn ${t.role}` },
      h('p', { class: 'who' }, t.role === 'user' ? 'You' : 'Assistant'),
      h('p', { class: 'said' }, t.content),
      t.used && t.used.length
        ? h('p', { class: 'used' }, `Looked up: ${t.used.map((u) => u.tool).join(', ')}.`)
        : null)));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = question.value.trim();
    if (!text) return;
    note.clear();
    turns.push({ role: 'user', content: text });
    draw();
    send.disabled = true;
    try {
      const messages = turns.slice(-MAX_MESSAGES).map(({ role, content }) => ({ role, content }));
      const answer = await api('POST', '/assistant/messages', { body: { messages } });
      turns.push({ role: 'assistant', content: answer.reply, used: answer.used });
      question.value = '';
      draw();
    } catch (e) {
      // The question was not answered: take it back so it can be asked again.
      turns.pop();
      draw();
      note.error(e);
    } finally {
      send.disabled = false;
      question.focus();
    }
  });
  section.append(h('p', { class: 'lead' },
    'Ask about stock, sales, forecasts, reorders or an order. The assistant can only look things up; it changes nothing.'),
  log, form);
}
