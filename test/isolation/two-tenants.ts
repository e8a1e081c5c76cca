import { randomUUID } from 'node:crypto';
import type { Flag, FlagType, WebhookEvent } from '@backstop/contracts';
import { saveRefundPolicy, setRefundWebhook } from '@backstop/ledger';
import { inTransaction, type Pool } from '@backstop/postgres';
import { createApiKey, createTenant, saveDetectorRules } from '@backstop/tenancy';
import { recordEvents } from '../../services/refund-worker/src/outcomes/record-events';
import { recordFlags } from '../../services/refund-worker/src/store/record-flags';
import { makeFlag } from '../support/flags';

export type TenantRole = 'ops' | 'finance' | 'admin';
export const tenantRoles: readonly TenantRole[] = ['ops', 'finance', 'admin'];

export interface SeededTenant {
  tenantId: string;
  keys: Record<TenantRole, { apiKey: string; keyId: string }>;
  webhookSecret: string;
  refundWebhookSecret: string;
  flags: Flag[];
  /** Decisions waiting for review, one per flag the default policy sends to review. */
  pendingDecisions: string[];
  decisions: string[];
  /** A value only this tenant's stored settings contain. */
  settingsMarker: string;
}

export interface TwoTenants {
  a: SeededTenant;
  b: SeededTenant;
  operatorKey: string;
  operatorKeyId: string;
}

/**
 * The default policy refunds exact duplicates automatically, only notifies on bursts and
 * sends the rest to review: each tenant gets some of each, B more than A so counts differ.
 */
const flagMix: Record<'a' | 'b', FlagType[]> = {
  a: ['duplicate.exact', 'amount.digit_slip', 'amount.outlier', 'recipient.near_miss'],
  b: ['duplicate.exact', 'amount.digit_slip', 'amount.outlier', 'recipient.near_miss', 'velocity.burst'],
};

/** `digit` keeps the tenants' account numbers and limits apart, so neither contains the other's. */
async function seedTenant(pool: Pool, tenantId: string, types: FlagType[], digit: number): Promise<SeededTenant> {
  const { webhookSecret } = await createTenant(pool, { tenantId, name: `Tenant ${tenantId}` });
  const keys = {} as SeededTenant['keys'];
  for (const role of ['ops', 'finance', 'admin'] as const) keys[role] = await createApiKey(pool, tenantId, role);
  const settingsMarker = `u_${tenantId}_settings_${randomUUID().slice(0, 8)}`;
  await saveRefundPolicy(pool, tenantId, { v: 1, maxAutoRefund: { CNY: digit * 111_111 } }, `seed:${tenantId}`);
  await saveDetectorRules(pool, tenantId, { 'duplicate.exact': { allowlist: { payers: [settingsMarker] } } });
  const { secret: refundWebhookSecret } = await setRefundWebhook(pool, tenantId, `https://${tenantId}.example/refunds`);

  const flags = types.map((type, index) => makeFlag(tenantId, { type, payerId: `u_${tenantId}_${index}_${randomUUID().slice(0, 6)}`, recipientAccount: `800${digit}${digit}${index}${digit}${digit}567` }));
  await inTransaction(pool, (client) => recordFlags(client, flags, new Date()));
  // A platform confirming a refund Backstop never decided: a mismatch finance should see.
  const stray: WebhookEvent = {
    id: `evt_${tenantId}_stray`, type: 'refund.succeeded', occurredAt: new Date().toISOString(),
    data: { paymentId: `pay_${tenantId}_stray`, payerId: `u_${tenantId}_stray`, amount: 70, currency: 'CNY', decisionId: randomUUID() },
  };
  await inTransaction(pool, (client) => recordEvents(client, [{ v: 1, tenantId, receivedAt: stray.occurredAt, marks: [], event: stray }], new Date()));

  const decisions = await pool.query<{ decision_id: string; status: string }>('SELECT decision_id, status FROM refund_decisions WHERE tenant_id = $1', [tenantId]);
  return {
    tenantId, keys, webhookSecret, refundWebhookSecret, flags, settingsMarker,
    decisions: decisions.rows.map((row) => row.decision_id),
    pendingDecisions: decisions.rows.filter((row) => row.status === 'pending_review').map((row) => row.decision_id),
  };
}

/** Tenants alpha and bravo with keys, flags, decisions, outcomes, policies, rules and refund webhooks. */
export async function seedTwoTenants(pool: Pool): Promise<TwoTenants> {
  const a = await seedTenant(pool, 'alpha', flagMix.a, 1);
  const b = await seedTenant(pool, 'bravo', flagMix.b, 2);
  const operator = await createApiKey(pool, null, 'operator');
  return { a, b, operatorKey: operator.apiKey, operatorKeyId: operator.keyId };
}

/** Strings that belong to B alone: any of them in an answer to A is a leak. */
export function secretsOf(tenant: SeededTenant): string[] {
  return [
    ...tenant.flags.flatMap((flag) => [flag.flagId, flag.payment.payerId, flag.payment.paymentId, flag.payment.recipientAccount ?? '']),
    ...tenant.decisions,
    ...Object.values(tenant.keys).flatMap((key) => [key.apiKey, key.keyId]),
    tenant.webhookSecret, tenant.refundWebhookSecret, tenant.settingsMarker,
    `https://${tenant.tenantId}.example/refunds`, `pay_${tenant.tenantId}_stray`,
  ].filter((value) => value.length > 0);
}
