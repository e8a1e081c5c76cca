import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RefundCommand, topicName, type RefundDecision, type WebhookEvent } from '@backstop/contracts';
import { verifyAuditChains } from '@backstop/ledger';
import { inTransaction } from '@backstop/postgres';
import { createApiKey, createTenant } from '@backstop/tenancy';
import type { ServiceProcess } from '../infra/dev/service-process';
import { startOutboxRelay } from '../services/refund-worker/src/outbox/relay';
import { recordEvents } from '../services/refund-worker/src/outcomes/record-events';
import { recordFlags } from '../services/refund-worker/src/store/record-flags';
import { createLogger } from '@backstop/logging';
import { startServices, stopServices } from './support/services';
import { createIsolatedStack, type IsolatedStack } from './support/stack';
import { readTopic } from '@backstop/testkit';
import { generateCharges, platformAnswer, random, type ExpectedRow, type GeneratedCharge, type PlatformAnswer } from './support/traffic';
import { buildFlag } from './support/flags';
import { eventually } from './support/wait';

const DAY = '2026-11-20';
const tenants = [
  { tenantId: 'east', timeZone: 'Asia/Shanghai' },
  { tenantId: 'west', timeZone: 'America/New_York' },
];

type Books = Map<string, ExpectedRow>;
const emptyRow = (): ExpectedRow => ({ decided: { count: 0, amount: 0 }, sent: { count: 0, amount: 0 }, confirmed: { count: 0, amount: 0 }, failed: { count: 0, amount: 0 } });
function book(books: Books, key: string, column: keyof ExpectedRow, amount: number) {
  const row = books.get(key) ?? emptyRow();
  row[column].count += 1;
  row[column].amount += amount;
  books.set(key, row);
}

describe('finance API on a generated day of traffic', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];
  let consoleUrl: string;
  const keys: Record<string, string> = {};
  let charges: GeneratedCharge[];
  const answers = new Map<string, { answer: PlatformAnswer; reported: number }>();
  /** The generator's books by tenant|day|currency and by tenant|day|currency|channel. */
  const books: Books = new Map();
  const booksByChannel: Books = new Map();
  let strayEvent: WebhookEvent;
  let outsideRefund: WebhookEvent;

  const get = async (path: string, key = keys.operator!) => {
    const response = await fetch(`${consoleUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: response.status, type: response.headers.get('content-type') ?? '', text: await response.text() };
  };
  const getJson = async <T>(path: string, key?: string): Promise<T> => {
    const response = await get(path, key);
    expect(response.status, response.text).toBe(200);
    return JSON.parse(response.text) as T;
  };

  beforeAll(async () => {
    stack = await createIsolatedStack({ refundCommands: 1, flags: 1, paymentEvents: 1 });
    for (const tenant of tenants) {
      await createTenant(stack.pool, { tenantId: tenant.tenantId, name: tenant.tenantId, timeZone: tenant.timeZone });
      keys[`${tenant.tenantId}-finance`] = (await createApiKey(stack.pool, tenant.tenantId, 'finance')).apiKey;
    }
    keys.operator = (await createApiKey(stack.pool, null, 'operator')).apiKey;
    keys['east-ops'] = (await createApiKey(stack.pool, 'east', 'ops')).apiKey;
    keys['east-admin'] = (await createApiKey(stack.pool, 'east', 'admin')).apiKey;

    // Backstop decides each charge at its own moment of the generated days.
    charges = generateCharges({ tenants, day: DAY, count: 240 });
    for (const charge of charges) await inTransaction(stack.pool, (client) => recordFlags(client, [charge.flag], charge.at));

    // Commands leave through the real relay and Kafka; the simulated platform answers them.
    const producer = stack.kafka.producer();
    await producer.connect();
    const relay = startOutboxRelay({ pool: stack.pool, producer, topic: topicName('refundCommands', stack.topicPrefix), logger: createLogger('test', 'silent'), pollMs: 50 });
    const autoCount = charges.filter((c) => c.expected === 'auto').length;
    const commandsTopic = await readTopic(stack.kafka, topicName('refundCommands', stack.topicPrefix));
    const commands = await eventually(async () => (commandsTopic.messages.length >= autoCount ? commandsTopic.messages.map((m) => RefundCommand.parse(JSON.parse(m.value))) : undefined), { what: 'every refund command' });
    await commandsTopic.stop();
    await relay.stop();
    await producer.disconnect();

    const next = random(7);
    const events: { tenantId: string; event: WebhookEvent }[] = [];
    for (const command of commands) {
      const charge = charges.find((c) => c.flag.payment.paymentId === command.paymentId)!;
      const answer = platformAnswer(next, command, new Date(charge.at.getTime() + 3_600_000));
      answers.set(command.paymentId, answer);
      if (answer.event) events.push({ tenantId: command.tenantId, event: answer.event });
    }
    const reviewed = charges.find((c) => c.expected === 'review' && c.flag.tenantId === 'east')!;
    outsideRefund = { id: 'evt_outside', type: 'refund.succeeded', occurredAt: reviewed.at.toISOString(), data: { paymentId: reviewed.flag.payment.paymentId, payerId: reviewed.flag.payment.payerId, amount: 50, currency: reviewed.flag.payment.currency } };
    strayEvent = { id: 'evt_stray', type: 'refund.succeeded', occurredAt: reviewed.at.toISOString(), data: { paymentId: 'pay_unknown', payerId: 'u_unknown', amount: 70, currency: 'CNY', decisionId: '00000000-0000-4000-8000-000000000000' } };
    events.push({ tenantId: 'east', event: outsideRefund }, { tenantId: 'east', event: strayEvent });
    await inTransaction(stack.pool, (client) => recordEvents(client, events.map(({ tenantId, event }) => ({ v: 1, tenantId, receivedAt: event.occurredAt, marks: [], event })), new Date()));

    for (const charge of charges) {
      if (charge.expected === 'none') continue;
      const { tenantId, payment } = charge.flag;
      for (const [ledger, key] of [[books, `${tenantId}|${charge.day}|${payment.currency}`], [booksByChannel, `${tenantId}|${charge.day}|${payment.currency}|${payment.channel}`]] as const) {
        book(ledger, key, 'decided', payment.amount);
        const answer = answers.get(payment.paymentId);
        if (charge.expected !== 'auto' || !answer) continue;
        book(ledger, key, 'sent', payment.amount);
        if (answer.answer === 'failed') book(ledger, key, 'failed', payment.amount);
        if (answer.answer.startsWith('succeeded')) book(ledger, key, 'confirmed', answer.reported);
      }
    }

    services = await startServices(stack, ['console']);
    consoleUrl = services[0]!.address!;
  }, 180_000);

  afterAll(async () => {
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  /** Sums come back as strings of digits, the generator's books as numbers. */
  interface ApiTally { count: number; amount: string }
  interface ApiRow { tenantId: string; day: string; currency: string; channel?: string | null; decided: ApiTally; sent: ApiTally; confirmed: ApiTally; failed: ApiTally; byStatus: Record<string, ApiTally> }
  const asBooks = (rows: ApiRow[], withChannel = false) =>
    new Map(rows.map((r) => [[r.tenantId, r.day, r.currency, ...(withChannel ? [r.channel] : [])].join('|'), { decided: r.decided, sent: r.sent, confirmed: r.confirmed, failed: r.failed }]));
  const inDigits = (ledger: Books) =>
    new Map([...ledger].map(([key, row]) => [key, Object.fromEntries(Object.entries(row).map(([column, tally]) => [column, { count: tally.count, amount: String(tally.amount) }]))]));

  it('reconciles per tenant × day (the tenant\'s own) × currency exactly as the generator booked it', async () => {
    const from = '2026-11-18';
    const to = '2026-11-22';
    const all = await getJson<{ data: ApiRow[] }>(`/v1/finance/reconciliation?from=${from}&to=${to}`);
    expect(asBooks(all.data)).toEqual(inDigits(books));
    expect(new Set(all.data.map((r) => r.day)).size).toBeGreaterThanOrEqual(3);

    const east = await getJson<{ data: ApiRow[] }>(`/v1/finance/reconciliation?from=${from}&to=${to}`, keys['east-finance']);
    expect(asBooks(east.data)).toEqual(inDigits(new Map([...books].filter(([key]) => key.startsWith('east|')))));

    const byChannel = await getJson<{ data: ApiRow[] }>(`/v1/finance/reconciliation?from=${from}&to=${to}&by=channel`);
    expect(asBooks(byChannel.data, true)).toEqual(inDigits(booksByChannel));
  });

  it('exports the reconciliation as CSV with the same sums', async () => {
    const csv = await get('/v1/finance/reconciliation.csv?from=2026-11-18&to=2026-11-22');
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    const [header, ...lines] = csv.text.trim().split('\n');
    const total = (name: string) => lines.reduce((sum, line) => sum + Number(line.split(',')[header!.split(',').indexOf(name)]), 0);
    for (const tally of ['decided', 'sent', 'confirmed', 'failed'] as const) {
      expect(total(`${tally}Amount`), tally).toBe([...books.values()].reduce((sum, row) => sum + row[tally].amount, 0));
      expect(total(`${tally}Count`), tally).toBe([...books.values()].reduce((sum, row) => sum + row[tally].count, 0));
    }
  });

  it('lists decisions with filters and cursor pagination, each with its evidence', async () => {
    const expected = charges.filter((c) => c.flag.tenantId === 'east' && c.expected !== 'none').map((c) => c.flag.payment.paymentId);
    const pageThrough = async (limit: number) => {
      const pages: RefundDecision[][] = [];
      let cursor: string | null = null;
      do {
        const page: { data: RefundDecision[]; nextCursor: string | null } = await getJson(`/v1/refunds?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, keys['east-finance']);
        pages.push(page.data);
        cursor = page.nextCursor;
      } while (cursor);
      return pages;
    };
    const pages = await pageThrough(17);
    const seen = pages.flat();
    expect(seen.map((d) => d.paymentId).sort()).toEqual([...expected].sort());
    // A cursor only where a next page holds something, also when the last page is exactly full.
    expect(pages.map((page) => page.length)).not.toContain(0);
    expect((await pageThrough(expected.length)).map((page) => page.length)).toEqual([expected.length]);
    const backwards = await get(`/v1/refunds?from=${DAY}T06:00:00.000Z&to=${DAY}T00:00:00.000Z`, keys['east-finance']);
    expect(backwards.status).toBe(400);
    expect(JSON.parse(backwards.text)).toMatchObject({ type: expect.stringContaining('invalid-query'), errors: [{ path: '$.to', message: '"from" must not be after "to"' }] });
    expect(seen[0]!.evidence?.informationFlow.summary).toContain(seen[0]!.paymentId);

    const review = await getJson<{ data: RefundDecision[] }>('/v1/refunds?tenant=east&status=pending_review&currency=USD&flagType=amount.outlier&limit=500');
    expect(review.data.map((d) => d.paymentId).sort()).toEqual(
      charges.filter((c) => c.flag.tenantId === 'east' && c.expected === 'review' && c.flag.payment.currency === 'USD').map((c) => c.flag.payment.paymentId).sort(),
    );
    const window = { from: `${DAY}T00:00:00.000Z`, to: `${DAY}T06:00:00.000Z` };
    const timed = await getJson<{ data: RefundDecision[] }>(`/v1/refunds?tenant=west&from=${window.from}&to=${window.to}&limit=500`);
    expect(timed.data.map((d) => d.paymentId).sort()).toEqual(
      charges.filter((c) => c.flag.tenantId === 'west' && c.expected !== 'none' && c.at >= new Date(window.from) && c.at < new Date(window.to)).map((c) => c.flag.payment.paymentId).sort(),
    );
  });

  it('streams every decision as CSV', async () => {
    const csv = await get('/v1/refunds.csv', keys['west-finance']);
    expect(csv.status).toBe(200);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toMatch(/^decisionId,tenantId,paymentId,/);
    expect(lines).toHaveLength(1 + charges.filter((c) => c.flag.tenantId === 'west' && c.expected !== 'none').length);
  });

  it('lists the mismatches between the books and the platform', async () => {
    const { data } = await getJson<{ data: { kind: string; paymentId: string; decisionId: string | null; claimedDecisionId: string | null; eventId: string | null }[] }>('/v1/finance/mismatches?slaHours=24&limit=1000');
    const of = (kind: string) => data.filter((m) => m.kind === kind).map((m) => m.paymentId).sort();
    const answered = (answer: PlatformAnswer) => [...answers].filter(([, a]) => a.answer === answer).map(([paymentId]) => paymentId).sort();
    expect(of('amount_mismatch')).toEqual(answered('succeeded_short'));
    expect(of('unconfirmed_past_sla')).toEqual(answered('silent'));
    expect(of('confirmation_without_decision')).toEqual([strayEvent.data.paymentId]);
    expect(of('refunded_outside_backstop')).toEqual([outsideRefund.data.paymentId]);
    expect(of('currency_mismatch')).toEqual([]);
    expect(of('over_refund')).toEqual([]);
    // The id the platform sent is what finance looks the refund up by in the platform's records.
    expect(data.find((m) => m.kind === 'confirmation_without_decision')).toMatchObject({
      decisionId: null, claimedDecisionId: (strayEvent.data as { decisionId: string }).decisionId, eventId: strayEvent.id,
    });
  });

  it('sums a day past 2^53 minor units exactly, in JSON and in CSV, where a number would have lost units', async () => {
    const tenantId = 'vault';
    const day = '2026-11-25';
    await createTenant(stack.pool, { tenantId, name: tenantId, timeZone: 'UTC' });
    const at = new Date(`${day}T10:00:00Z`);
    // Each within the bound of 10^12 dinars; together 9 999 999 999 999 991 fils, odd and past
    // 2^53, where doubles are two apart: no double holds it.
    const amounts = [...Array.from({ length: 9 }, () => 999_999_999_999_999), 1_000_000_000_000_000];
    const total = '9999999999999991';
    expect(Number.isSafeInteger(Number(total))).toBe(false);
    const flags = amounts.map((amount) => buildFlag(tenantId, { payment: { amount, unitPrice: amount, currency: 'KWD' }, flaggedAt: at }));
    await inTransaction(stack.pool, (client) => recordFlags(client, flags, at));
    const decisions = await stack.pool.query<{ decision_id: string; payment_id: string; amount: number }>('SELECT decision_id, payment_id, amount FROM refund_decisions WHERE tenant_id = $1', [tenantId]);
    expect(decisions.rows.map((d) => d.amount).sort()).toEqual([...amounts].sort());
    const confirmations = decisions.rows.map((decision): WebhookEvent => {
      const flag = flags.find((f) => f.payment.paymentId === decision.payment_id)!;
      return {
        id: `evt_vault_${decision.decision_id}`, type: 'refund.succeeded', occurredAt: new Date(at.getTime() + 3_600_000).toISOString(),
        data: { paymentId: decision.payment_id, payerId: flag.payment.payerId, amount: decision.amount, currency: 'KWD', decisionId: decision.decision_id },
      };
    });
    await inTransaction(stack.pool, (client) => recordEvents(client, confirmations.map((event) => ({ v: 1, tenantId, receivedAt: event.occurredAt, marks: [], event })), new Date()));

    const { data } = await getJson<{ data: ApiRow[] }>(`/v1/finance/reconciliation?tenant=${tenantId}&from=${day}&to=${day}`);
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({
      currency: 'KWD',
      decided: { count: 10, amount: total }, sent: { count: 10, amount: total }, confirmed: { count: 10, amount: total }, failed: { count: 0, amount: '0' },
      byStatus: { succeeded: { count: 10, amount: total } },
    });

    const csv = await get(`/v1/finance/reconciliation.csv?tenant=${tenantId}&from=${day}&to=${day}`);
    expect(csv.status, csv.text).toBe(200);
    const [header, line] = csv.text.replace(/^\uFEFF/, '').trim().split('\n').map((row) => row.split(','));
    const cell = (column: string) => line![header!.indexOf(column)];
    for (const column of ['decidedAmount', 'sentAmount', 'confirmedAmount', 'succeededAmount']) expect(cell(column), column).toBe(total);
    expect(cell('failedAmount')).toBe('0');
  });

  it('lets a reviewer approve or reject a pending decision, once', async () => {
    const { data } = await getJson<{ data: RefundDecision[] }>('/v1/refunds?status=pending_review&limit=3', keys['east-finance']);
    const [toApprove, toReject] = data.filter((d) => d.paymentId !== outsideRefund.data.paymentId);
    // A rejection must say why; an approval needs no body.
    const post = (id: string, verdict: string) => fetch(`${consoleUrl}/v1/refunds/${id}/${verdict}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['east-ops']}`, 'content-type': 'application/json' },
      body: JSON.stringify(verdict === 'approve' ? {} : { reason: 'the customer meant to buy it' }),
    });
    const approved = await post(toApprove!.decisionId, 'approve');
    expect(approved.status).toBe(200);
    const decision = ((await approved.json()) as { data: RefundDecision }).data;
    expect(decision.decidedBy).toMatch(/^key:/);
    // The outbox relay may hand it to the platform before the answer is read back.
    expect(['approved', 'sent']).toContain(decision.status);
    expect((await stack.pool.query('SELECT 1 FROM refund_outbox WHERE decision_id = $1', [toApprove!.decisionId])).rowCount).toBe(1);
    expect((await post(toReject!.decisionId, 'reject')).status).toBe(200);
    const again = await post(toApprove!.decisionId, 'reject');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { type: string }).type).toBe('https://backstop.dev/problems/decision-not-pending');
    expect((await verifyAuditChains(stack.pool)).breaks).toEqual([]);
  });

  it('takes a valid policy and refuses an invalid one as problem+json', async () => {
    const put = (body: unknown) => fetch(`${consoleUrl}/v1/policy`, { method: 'PUT', headers: { authorization: `Bearer ${keys['east-admin']}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const bad = await put({ v: 1, rules: { 'duplicate.exact': { action: 'refund_everything' } } });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toContain('application/problem+json');
    expect(((await bad.json()) as { type: string; errors: { path: string }[] })).toMatchObject({ type: 'https://backstop.dev/problems/invalid-policy', errors: [{ path: '$.rules.duplicate.exact.action' }] });
    expect((await put({ v: 1, killSwitch: true })).status).toBe(200);
    expect(await getJson<{ data: { killSwitch: boolean } }>('/v1/policy', keys['east-admin'])).toMatchObject({ data: { killSwitch: true } });
  });

  it('answers a bad query or another tenant with problem+json', async () => {
    const bad = await get('/v1/finance/reconciliation?from=2026-11-20&to=2026-11-19', keys['east-finance']);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ type: 'https://backstop.dev/problems/invalid-query' });
    const other = await get('/v1/refunds?tenant=west', keys['east-finance']);
    expect(other.status).toBe(403);
  });
});
