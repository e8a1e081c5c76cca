// The console page: a live feed of flags (Server-Sent Events), the review queue, the evidence
// of one flag as three flows side by side, and the finance view. No framework: the page is
// small, and plain DOM keeps it fast to load and easy to read.
import { messages } from './i18n.js';
import { formatMoney, renderMessage } from './lib/messages/index.js';

const state = {
  apiKey: localStorage.getItem('backstop.apiKey') ?? '',
  lang: localStorage.getItem('backstop.lang') ?? (navigator.language.startsWith('zh') ? 'zh' : 'en'),
  tab: 'feed',
  flags: new Map(),
  stream: null,
};

const $ = (selector) => document.querySelector(selector);
const t = (key) => messages[state.lang][key] ?? key;

const money = (amount, currency) => formatMoney(amount, currency, state.lang);

/**
 * A flag's or decision's sentence in the page's language and time zone, from its message; the
 * API already masked the accounts this key may not see. Older records only have English.
 */
const sentence = (message, fallback) =>
  renderMessage(message, { lang: state.lang, accounts: 'whole', timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone }, fallback);

function time(iso) {
  return new Date(iso).toLocaleString(state.lang === 'zh' ? 'zh-CN' : 'en', { hour12: false });
}

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : document.createTextNode(String(child ?? '')));
  return node;
}

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options,
    headers: { authorization: `Bearer ${state.apiKey}`, ...(options.body ? { 'content-type': 'application/json' } : {}), ...options.headers },
  });
  if (response.status === 401) {
    signOut();
    throw new Error('unauthorized');
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    throw Object.assign(new Error(problem.title ?? response.statusText), { status: response.status, problemType: problem.type });
  }
  return response.json();
}

/**
 * Says on the page why something did not load or change, in the reader's language: an empty
 * table is no answer to a role that may not see it, or to a decision someone else took first.
 */
function showProblem(error) {
  if (error?.message === 'unauthorized') return;
  const key = error?.status === 403 ? 'problemForbidden'
    : error?.status === 409 ? 'problemConflict'
    : error?.status >= 500 ? 'problemServer'
    : 'problemOther';
  const notice = $('#notice');
  notice.textContent = `${t(key)}${error?.message ? ` (${error.message})` : ''}`;
  notice.hidden = false;
}

function clearProblem() {
  $('#notice').hidden = true;
}

// ---- language -------------------------------------------------------------------------

function applyLanguage() {
  document.documentElement.lang = state.lang === 'zh' ? 'zh-CN' : 'en';
  $('#language').value = state.lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  const typeFilter = $('#filter-type');
  const chosenType = typeFilter.value;
  typeFilter.replaceChildren(element('option', { value: '' }, t('allTypes')),
    ...['duplicate.exact', 'duplicate.suspected', 'amount.digit_slip', 'amount.outlier', 'recipient.near_miss', 'product.misselected', 'velocity.burst']
      .map((type) => element('option', { value: type }, t(type))));
  typeFilter.value = chosenType;
  const severityFilter = $('#filter-severity');
  const chosenSeverity = severityFilter.value;
  severityFilter.replaceChildren(element('option', { value: '' }, t('allSeverities')),
    ...['high', 'medium', 'low'].map((severity) => element('option', { value: severity }, t(severity))));
  severityFilter.value = chosenSeverity;
  renderFeed();
  renderConnection();
}

// ---- live feed ------------------------------------------------------------------------

function statusLabel(flag) {
  return flag.decision ? t(flag.decision.status) : t('none');
}

function flagRow(flag, fresh) {
  return element('tr', { class: `severity-${flag.severity}${fresh ? ' fresh' : ''}`, 'data-flag-id': flag.flagId, onclick: () => showEvidence(flag.flagId) },
    element('td', {}, time(flag.flaggedAt)),
    element('td', {}, t(flag.type)),
    element('td', {}, element('span', { class: `badge ${flag.severity}` }, t(flag.severity))),
    element('td', {}, flag.payerId),
    element('td', {}, money(flag.amount, flag.currency)),
    element('td', {}, flag.orderId),
    element('td', { class: 'status' }, statusLabel(flag)),
    element('td', { class: 'summary' }, sentence(flag.message, flag.summary)));
}

let freshIds = new Set();
function renderFeed() {
  const rows = [...state.flags.values()].sort((a, b) => b.flaggedAt.localeCompare(a.flaggedAt)).slice(0, 500);
  $('#feed tbody').replaceChildren(...rows.map((flag) => flagRow(flag, freshIds.has(flag.flagId))));
  freshIds = new Set();
  $('#feed-empty').hidden = rows.length > 0;
}

function renderConnection(live) {
  if (live !== undefined) state.live = live;
  $('#connection').textContent = state.apiKey ? (state.live ? `● ${t('live')}` : t('reconnecting')) : '';
}

/** Reads the SSE stream with fetch, so the API key travels in a header, and resumes after drops. */
async function followStream() {
  state.stream?.abort();
  const controller = new AbortController();
  state.stream = controller;
  let lastEventId = '';
  const query = new URLSearchParams();
  if ($('#filter-type').value) query.set('type', $('#filter-type').value);
  if ($('#filter-severity').value) query.set('severity', $('#filter-severity').value);
  while (!controller.signal.aborted) {
    try {
      const response = await fetch(`/v1/flags/stream?${query}`, {
        headers: { authorization: `Bearer ${state.apiKey}`, accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
        signal: controller.signal,
      });
      if (response.status === 401) return signOut();
      if (!response.ok) throw new Error(response.statusText);
      renderConnection(true);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let boundary;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const event = { event: 'message', data: '' };
          for (const line of block.split('\n')) {
            const colon = line.indexOf(':');
            if (colon <= 0) continue;
            const field = line.slice(0, colon);
            const content = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') event.data += content;
            else event[field] = content;
          }
          if (event.id) lastEventId = event.id;
          if (event.event === 'flag') {
            const flag = JSON.parse(event.data);
            freshIds.add(flag.flagId);
            state.flags.set(flag.flagId, flag);
            renderFeed();
            if (state.tab === 'review') void loadReviews();
          }
        }
      }
    } catch (error) {
      if (controller.signal.aborted) return;
    }
    renderConnection(false);
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

// ---- stats ----------------------------------------------------------------------------

async function loadStats() {
  const stats = await api('/v1/flags/stats');
  const card = (title, window) => {
    const counts = stats.counts.filter((c) => c.window === window);
    return element('div', { class: 'card' }, element('h4', {}, title),
      element('ul', {}, ...counts.map((c) => element('li', {}, `${t(c.type)} · ${t(c.severity)}: ${c.count}`))),
      counts.length === 0 ? element('span', { class: 'muted' }, '0') : '');
  };
  const latency = stats.detectionLatencyMs;
  $('#stats').replaceChildren(card(t('lastHour'), '1h'), card(t('lastDay'), '24h'),
    element('div', { class: 'card' }, element('h4', {}, t('latency')),
      element('span', {}, latency.samples > 0 ? `p50 ${latency.p50} ms · p99 ${latency.p99} ms` : '—')));
}

// ---- evidence -------------------------------------------------------------------------

/** Evidence fields that hold money, in minor units of the payment's currency. */
const MONEY_FIELDS = new Set(['amount', 'unitPrice', 'orderAmount', 'usual', 'paidPerUnit', 'baselineMedian', 'medianUnitPrice', 'overpaid', 'paidTotal', 'capturedAmount', 'decidedAmount', 'reportedAmount']);

function describe(value, currency, key) {
  if (Array.isArray(value)) return value.map((item) => describe(item, currency, key)).join('\n');
  if (value && typeof value === 'object') return Object.entries(value).map(([k, v]) => `${k}: ${describe(v, currency, k)}`).join(', ');
  if (currency && MONEY_FIELDS.has(key) && Number.isInteger(value)) return money(value, currency);
  return String(value);
}

function definitionList(entries, currency) {
  return element('dl', {}, ...entries.flatMap(([key, value]) => [element('dt', {}, key), element('dd', { style: 'white-space: pre-line' }, describe(value, currency, key))]));
}

async function showEvidence(flagId) {
  const flag = await api(`/v1/flags/${encodeURIComponent(flagId)}`);
  const { fundFlow, orderFlow, informationFlow } = flag.evidence;
  $('#evidence-title').textContent = `· ${t(flag.type)} · ${flag.paymentId}`;
  $('#fund-flow').replaceChildren(...fundFlow.map((p) => definitionList([
    ['paymentId', p.paymentId], [t('amount'), money(p.amount, p.currency)], ['channel', p.channel ?? '—'], [t('time'), time(p.occurredAt)]])));
  $('#order-flow').replaceChildren(...orderFlow.map((o) => definitionList(Object.entries(o).filter(([, v]) => v !== undefined && v !== null), o.currency ?? flag.currency)));
  // A reviewer should see first that the user was asked, and paid anyway.
  const warning = informationFlow.confirmedWarning;
  $('#information-flow').replaceChildren(element('p', { class: 'summary' }, sentence(informationFlow.message, informationFlow.summary)),
    element('p', {}, payerAnswer(informationFlow.payerAnswer)),
    ...(warning ? [element('p', { class: 'warned' }, `${t('warnedAndConfirmed')} ${warning.reasons.join(', ')} (${warning.intentId}, ${time(warning.checkedAt)})`)] : []),
    definitionList([...Object.entries(informationFlow.thresholds), ...Object.entries(informationFlow.observed)], flag.currency));
  $('#evidence').showModal();
}

// ---- review queue ---------------------------------------------------------------------

/** The payer's own word on a flag, beside the rule's: a reviewer weighs it, it decides nothing. */
function payerAnswer(answer) {
  return answer ? element('span', { class: `payer-answer ${answer.answer}` }, `${t('payerSaid')}: ${t(answer.answer)}`) : '';
}

async function review(decisionId, action, body) {
  try {
    await api(`/v1/refunds/${decisionId}/${action}`, { method: 'POST', body: JSON.stringify(body ?? {}) });
    clearProblem();
  } catch (error) {
    showProblem(error);
  }
  // Also after a refusal: another reviewer may have taken the decision, and its row must go.
  await Promise.all([loadReviews(), refreshStatuses()]).catch(showProblem);
}

/** Decisions change without a new flag (a reviewer, the platform's confirmation): refresh what is shown. */
async function refreshStatuses() {
  const { data } = await api('/v1/flags?limit=200');
  for (const flag of data) if (state.flags.has(flag.flagId)) state.flags.set(flag.flagId, flag);
  renderFeed();
}

async function loadReviews() {
  const { data } = await api('/v1/flags?status=pending_review&limit=200');
  $('#review tbody').replaceChildren(...data.map((flag) => element('tr', { class: `severity-${flag.severity}`, 'data-flag-id': flag.flagId },
    element('td', {}, time(flag.flaggedAt)),
    element('td', {}, t(flag.type)),
    element('td', {}, element('span', { class: `badge ${flag.severity}` }, t(flag.severity))),
    element('td', {}, flag.payerId),
    element('td', {}, money(flag.amount, flag.currency),
      // What approving refunds, which a digit slip's or a duplicate's decision makes less than the charge.
      ...(flag.decision?.amount != null ? [element('br'), element('span', { class: 'refund-amount' }, `${t('refundAmount')} ${money(flag.decision.amount, flag.currency)}`)] : [])),
    element('td', { class: 'summary', onclick: () => showEvidence(flag.flagId) }, sentence(flag.message, flag.summary), ' ', payerAnswer(flag.payerAnswer)),
    element('td', {},
      element('button', { class: 'approve', onclick: () => review(flag.decision.decisionId, 'approve') }, t('approve')), ' ',
      element('button', { class: 'reject', onclick: () => review(flag.decision.decisionId, 'reject', { reason: prompt(t('reasonPrompt')) ?? '' }) }, t('reject')), ' ',
      element('button', { class: 'false-positive', onclick: () => review(flag.decision.decisionId, 'false-positive', { reason: prompt(t('reasonPrompt')) ?? '' }) }, t('falsePositive'))))));
  $('#review-empty').hidden = data.length > 0;
}

// ---- finance --------------------------------------------------------------------------

/** CSV comes through fetch (the key travels in a header), then is saved from a blob. */
async function downloadCsv(path, filename) {
  const response = await fetch(path, { headers: { authorization: `Bearer ${state.apiKey}` } });
  if (!response.ok) return;
  const url = URL.createObjectURL(await response.blob());
  element('a', { href: url, download: filename }).click();
  URL.revokeObjectURL(url);
}

function sumCell(entry, currency) {
  return entry ? `${entry.count} · ${money(entry.amount, currency)}` : '0';
}

async function loadFinance() {
  const { data } = await api('/v1/refunds?limit=200');
  $('#decisions tbody').replaceChildren(...data.map((d) => element('tr', {},
    element('td', {}, time(d.createdAt)), element('td', {}, t(d.flagType)), element('td', {}, money(d.amount, d.currency)),
    element('td', {}, t(d.status)), element('td', { class: 'reason' }, sentence(d.reasonMessage, d.reason)))));
  // Days are the tenant's own (a Chinese shop's day starts at 16:00 UTC): ending the range at
  // tomorrow's UTC date takes in today wherever the tenant is; a day not yet begun is empty.
  const to = new Date(Date.now() + 86_400_000);
  const from = new Date(to.getTime() - 7 * 86_400_000);
  const day = (date) => date.toISOString().slice(0, 10);
  const [reconciliation, mismatches] = await Promise.all([
    api(`/v1/finance/reconciliation?from=${day(from)}&to=${day(to)}`).catch((error) => { showProblem(error); return { data: [] }; }),
    api('/v1/finance/mismatches').catch((error) => { showProblem(error); return { data: [] }; }),
  ]);
  $('#reconciliation').replaceChildren(
    element('h2', {}, t('reconciliation')),
    element('p', {}, element('a', { href: '#', onclick: (event) => { event.preventDefault(); void downloadCsv(`/v1/finance/reconciliation.csv?from=${day(from)}&to=${day(to)}`, 'reconciliation.csv'); } }, t('downloadCsv'))),
    element('table', { class: 'flags', id: 'reconciliation-table' },
      element('thead', {}, element('tr', {}, ...['day', 'currency', 'decided', 'sentLabel', 'confirmed', 'failedLabel'].map((key) => element('th', {}, t(key))))),
      element('tbody', {}, ...reconciliation.data.map((row) => element('tr', {},
        element('td', {}, row.day), element('td', {}, row.currency),
        element('td', {}, sumCell(row.decided, row.currency)), element('td', {}, sumCell(row.sent, row.currency)),
        element('td', {}, sumCell(row.confirmed, row.currency)), element('td', {}, sumCell(row.failed, row.currency)))))),
    element('h2', {}, t('mismatches')),
    mismatches.data.length === 0 ? element('p', { class: 'muted' }, t('noMismatches')) :
      element('table', { class: 'flags', id: 'mismatches-table' },
        element('thead', {}, element('tr', {}, ...['kind', 'payment', 'decidedAmount', 'reportedAmount', 'time'].map((key) => element('th', {}, t(key))))),
        element('tbody', {}, ...mismatches.data.map((m) => element('tr', { 'data-kind': m.kind },
          element('td', {}, t(m.kind)), element('td', {}, m.paymentId ?? '—'),
          // The disagreement is the row's point: Backstop's amount and the platform's side by
          // side, each in its own currency (a currency mismatch differs in exactly that).
          element('td', { class: 'decided' }, m.decidedAmount != null ? money(m.decidedAmount, m.currency) : '—'),
          element('td', { class: 'reported' }, m.reportedAmount != null ? money(m.reportedAmount, m.reportedCurrency ?? m.currency) : '—',
            ...(m.refundedTotal != null ? [element('br'), `${t('refundedTotal')} ${money(m.refundedTotal, m.currency)}`] : [])),
          element('td', {}, m.at ? time(m.at) : '—'))))));
}

// ---- payer notices --------------------------------------------------------------------

async function loadNotifications() {
  const { data } = await api('/v1/notifications?limit=200');
  $('#notifications tbody').replaceChildren(...data.map((n) => element('tr', { 'data-decision-id': n.decisionId },
    element('td', {}, time(n.createdAt)),
    element('td', {}, n.decisionId),
    element('td', {}, n.deliveredAt ? `${t('delivered')} ${time(n.deliveredAt)}`
      : n.gaveUpAt ? `${t('gaveUp')} ${time(n.gaveUpAt)}`
      : `${t('pending')} · ${t('nextAttempt')} ${time(n.nextAttemptAt)}`),
    element('td', {}, n.attempts),
    element('td', {}, n.lastError ?? '—'))));
  $('#notifications-empty').hidden = data.length > 0;
}

// ---- shell ----------------------------------------------------------------------------

function showTab(tab) {
  state.tab = tab;
  for (const button of document.querySelectorAll('.tab')) button.classList.toggle('active', button.dataset.tab === tab);
  for (const name of ['feed', 'review', 'finance', 'notifications']) $(`#${name}-view`).hidden = name !== tab;
  clearProblem();
  if (tab === 'review') void loadReviews().catch(showProblem);
  if (tab === 'finance') void loadFinance().catch(showProblem);
  if (tab === 'notifications') void loadNotifications().catch(showProblem);
}

function signOut() {
  state.apiKey = '';
  localStorage.removeItem('backstop.apiKey');
  state.stream?.abort();
  start();
}

function start() {
  const signedIn = Boolean(state.apiKey);
  $('#sign-in').hidden = signedIn;
  $('#main').hidden = !signedIn;
  $('#sign-out').hidden = !signedIn;
  applyLanguage();
  if (!signedIn) return;
  state.flags.clear();
  showTab(state.tab);
  void followStream();
  void loadStats().catch(() => undefined);
}

$('#language').addEventListener('change', (event) => {
  state.lang = event.target.value;
  localStorage.setItem('backstop.lang', state.lang);
  applyLanguage();
  void loadStats().catch(() => undefined);
  // The review queue and the finance view hold sentences too: draw them again in the new language.
  if (state.apiKey && state.tab !== 'feed') showTab(state.tab);
});
$('#sign-in').addEventListener('submit', (event) => {
  event.preventDefault();
  state.apiKey = $('#api-key').value.trim();
  localStorage.setItem('backstop.apiKey', state.apiKey);
  start();
});
$('#sign-out').addEventListener('click', signOut);
$('#decisions-csv').addEventListener('click', (event) => {
  event.preventDefault();
  void downloadCsv(`/v1/refunds.csv?lang=${state.lang}`, 'refund-decisions.csv');
});
for (const button of document.querySelectorAll('.tab')) button.addEventListener('click', () => showTab(button.dataset.tab));
for (const filter of ['#filter-type', '#filter-severity']) {
  $(filter).addEventListener('change', () => { state.flags.clear(); renderFeed(); void followStream(); });
}
setInterval(() => {
  if (!state.apiKey) return;
  void loadStats().catch(() => undefined);
  void refreshStatuses().catch(() => undefined);
}, 10_000);
start();
