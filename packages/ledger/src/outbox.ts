import { RefundCommand, type FlagType, type RefundAdvice, type Severity } from '@backstop/contracts';
import type { PoolClient } from '@backstop/postgres';

interface ApprovedDecisionRow {
  decision_id: string;
  tenant_id: string;
  payment_id: string;
  order_id: string;
  payer_id: string;
  merchant_id: string;
  amount: number;
  currency: string;
  captured_amount: number;
  reason: string;
  flag_id: string;
  flag_type: FlagType;
  severity: Severity;
  evidence_summary: string;
  revoke_goods_first: boolean;
  advice: RefundAdvice | null;
  decided_by: string;
  approved_at: Date;
  idempotency_key: string;
}

function commandFor(row: ApprovedDecisionRow): RefundCommand {
  return RefundCommand.parse({
    v: 1,
    decisionId: row.decision_id,
    idempotencyKey: row.idempotency_key,
    tenantId: row.tenant_id,
    paymentId: row.payment_id,
    orderId: row.order_id,
    payerId: row.payer_id,
    merchantId: row.merchant_id,
    amount: row.amount,
    currency: row.currency,
    capturedAmount: row.captured_amount,
    reason: row.reason,
    flagId: row.flag_id,
    flagType: row.flag_type,
    severity: row.severity,
    evidenceSummary: row.evidence_summary,
    revokeGoodsFirst: row.revoke_goods_first,
    advice: row.advice,
    approvedBy: row.decided_by,
    approvedAt: row.approved_at.toISOString(),
  });
}

/**
 * Writes the refund command of each approved decision to the outbox, in the transaction
 * that approved it: the command leaves if and only if the approval committed. A decision
 * has one command per destination, whatever retries happen around it.
 */
export async function enqueueRefundCommands(client: PoolClient, decisionIds: readonly string[]): Promise<RefundCommand[]> {
  if (decisionIds.length === 0) return [];
  const rows = await client.query<ApprovedDecisionRow>(
    `SELECT d.decision_id, d.tenant_id, d.payment_id, d.order_id, d.payer_id, d.merchant_id, d.amount, d.currency,
            d.captured_amount, d.reason, d.flag_id, d.flag_type, d.severity, d.revoke_goods_first, d.advice,
            d.decided_by, d.approved_at, d.idempotency_key,
            coalesce(f.evidence #>> '{informationFlow,summary}', d.flag_type) AS evidence_summary
       FROM refund_decisions d JOIN flags f ON f.tenant_id = d.tenant_id AND f.flag_id = d.flag_id
      WHERE d.decision_id = ANY($1::uuid[]) AND d.status = 'approved'`,
    [decisionIds],
  );
  const commands = rows.rows.map(commandFor);
  await insertRefundCommands(client, commands);
  return commands;
}

/**
 * Writes refund commands to the outbox, one row per destination (Kafka, and the tenant's
 * webhook if it has one), in the transaction that approved them. A command already there is
 * left as it is. For writers that built the commands from what they just wrote.
 */
export async function insertRefundCommands(client: PoolClient, commands: readonly RefundCommand[]): Promise<void> {
  if (commands.length === 0) return;
  const rows = commands.map((c) => ({
    // Keyed like payment events, so one payer's commands stay in order.
    tenant_id: c.tenantId, decision_id: c.decisionId, message_key: `${c.tenantId}:${c.payerId}`, payload: c,
  }));
  // The rows travel as one JSON document, each command a nested object encoded once.
  await client.query(
    `WITH t AS (SELECT * FROM jsonb_to_recordset($1::jsonb) AS t(tenant_id text, decision_id uuid, message_key text, payload jsonb))
     INSERT INTO refund_outbox (tenant_id, decision_id, destination, message_key, payload)
     SELECT t.tenant_id, t.decision_id, 'kafka', t.message_key, t.payload FROM t
     UNION ALL
     SELECT t.tenant_id, t.decision_id, 'webhook', t.message_key, t.payload FROM t JOIN refund_webhooks w ON w.tenant_id = t.tenant_id
     ON CONFLICT (decision_id, destination) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}
