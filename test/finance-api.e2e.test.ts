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

  interface ApiRow extends ExpectedRow { tenantId: string; day: string; currency: string; channel?: string | null }
  const asBooks = (rows: ApiRow[], withChannel = false): Books =>
    new Map(rows.map((r) => [[r.tenantId, r.day, r.currency, ...(withChannel ? [r.channel] : [])].join('|'), { decided: r.decided, sent: r.sent, confirmed: r.confirmed, failed: r.failed }]));

  it('reconciles per tenant × day (the tenant\'s own) × currency exactly as the generator booked it', async () => {
    const from = '2026-11-18';
    const to = '2026-11-22';
    const all = await getJson<{ data: ApiRow[] }>(`/v1/finance/reconciliation?from=${from}&to=${to}`);
    expect(asBooks(all.data)).toEqual(books);
    expect(new Set(all.data.map((r) => r.day)).size).toBeGreaterThanOrEqual(3);

    const east = await getJson<{ data: ApiRow[] }>(`/v1/finance/reconciliation?from=${from}&to=${to}`, keys['east-finance']);
    expect(asBooks(east.data)).toEqual(new Map([...books].filter(([key]) => key.startsWith('east|'))));

    const byChannel = await getJson<{ data: ApiRow[] }>(`/v1/finance/reconciliation?from=${from}&to=${to}&by=channel`);
    expect(asBooks(byChannel.data, true)).toEqual(booksByChannel);
  });

  it('exports the reconciliation as CSV with the same sums', async () => {
    const csv = await get('/v1/finance/reconciliation.csv?from=2026-11-18&to=2026-11-22');
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    const [header, ...lines] = csv.text.trim().split('\n');
    const column = header!.split(',').indexOf('decidedAmount');
    const total = lines.reduce((sum, line) => sum + Number(line.split(',')[column]), 0);
    expect(total).toBe([...books.values()].reduce((sum, row) => sum + row.decided.amount, 0));
  });

  it('lists decisions with filters and cursor pagination, each with its evidence', async () => {
    const expected = charges.filter((c) => c.flag.tenantId === 'east' && c.expected !== 'none').map((c) => c.flag.payment.paymentId);
    const seen: RefundDecision[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: RefundDecision[]; nextCursor: string | null } = await getJson(`/v1/refunds?limit=17${cursor ? `&cursor=${cursor}` : ''}`, keys['east-finance']);
      seen.push(...page.data);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((d) => d.paymentId).sort()).toEqual([...expected].sort());
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
    const { data } = await getJson<{ data: { kind: string; paymentId: string; eventId: string | null }[] }>('/v1/finance/mismatches?slaHours=24&limit=1000');
    const of = (kind: string) => data.filter((m) => m.kind === kind).map((m) => m.paymentId).sort();
    const answered = (answer: PlatformAnswer) => [...answers].filter(([, a]) => a.answer === answer).map(([paymentId]) => paymentId).sort();
    expect(of('amount_mismatch')).toEqual(answered('succeeded_short'));
    expect(of('unconfirmed_past_sla')).toEqual(answered('silent'));
    expect(of('confirmation_without_decision')).toEqual([strayEvent.data.paymentId]);
    expect(of('refunded_outside_backstop')).toEqual([outsideRefund.data.paymentId]);
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
