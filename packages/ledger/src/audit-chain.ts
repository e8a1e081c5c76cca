import { createHash } from 'node:crypto';
import { canonicalize } from 'json-canonicalize';
import type { DecisionStatus, PayerAnswerChoice } from '@backstop/contracts';
import type { PoolClient } from '@backstop/postgres';

/** What one audit row says happened to a decision; its canonical JSON (RFC 8785) is hashed. */
export interface AuditContent {
  tenantId: string;
  seq: number;
  decisionId: string;
  paymentId: string;
  from: DecisionStatus | null;
  to: DecisionStatus;
  amount: number;
  currency: string;
  actor: string;
  at: string;
  /**
   * The payer's answer through their link: recorded on the decision's trail with `from` and
   * `to` both its current status, since the answer alone never moves a decision.
   */
  payerAnswer?: PayerAnswerChoice;
  /** Why: a reviewer's reason, or the platform's reason for a failed refund. */
  reason?: string;
  /** A rejection as a false positive, which also marks the flag for tuning the rules. */
  falsePositive?: true;
  /** What the platform reported refunding, and its refund's id, when it settled the decision. */
  confirmedAmount?: number;
  refundId?: string;
}

export type AuditChange = Omit<AuditContent, 'seq' | 'tenantId'>;

/**
 * A configuration promoted from a backtest, in the same chain as the decisions it will steer:
 * who promoted which candidate (its digest) and what it replaced. `decision_audit.decision_id`
 * holds the promotion's own id; no decision row has it.
 */
export interface ConfigChangeContent {
  tenantId: string;
  seq: number;
  kind: 'config.promoted';
  promotionId: string;
  /** The backtest job the candidate was judged in, and the candidate's digest. */
  jobId: string;
  digest: string;
  rules: boolean;
  policy: boolean;
  actor: string;
  at: string;
}

/** The hash a tenant's first row chains to. */
export const GENESIS_HASH = Buffer.alloc(32);

export function auditHash(prevHash: Buffer, content: AuditContent | ConfigChangeContent): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalize(content)).digest();
}

export interface ChainHead {
  seq: number;
  hash: Buffer;
}

/**
 * Locks the chain tips of these tenants (creating missing ones) in a fixed order, so
 * concurrent writers queue up instead of deadlocking. A tenant's appends are thereby
 * serialised: the lock holds until the transaction ends.
 *
 * Writers take it last, after their other writes, with nothing but the append and the commit
 * left to do: whoever holds a tip then never waits for another lock, so writers cannot
 * deadlock on it, and the tenant's writers overlap in everything but the append.
 */
export async function lockChainHeads(client: PoolClient, tenantIds: Iterable<string>): Promise<Map<string, ChainHead>> {
  const ids = [...new Set(tenantIds)].sort();
  const heads = new Map<string, ChainHead>();
  if (ids.length === 0) return heads;
  await client.query(
    `INSERT INTO audit_heads (tenant_id, seq, hash) SELECT unnest($1::text[]), 0, $2 ON CONFLICT (tenant_id) DO NOTHING`,
    [ids, GENESIS_HASH],
  );
  const locked = await client.query<{ tenant_id: string; seq: number; hash: Buffer }>(
    'SELECT tenant_id, seq, hash FROM audit_heads WHERE tenant_id = ANY($1::text[]) ORDER BY tenant_id FOR UPDATE',
    [ids],
  );
  for (const row of locked.rows) heads.set(row.tenant_id, { seq: row.seq, hash: row.hash });
  return heads;
}

/** Appends changes to their tenants' chains; `heads` must come from lockChainHeads in this transaction. */
export async function appendAudit(
  client: PoolClient,
  heads: Map<string, ChainHead>,
  changes: readonly (AuditChange & { tenantId: string })[],
): Promise<void> {
  if (changes.length === 0) return;
  const rows: { tenantId: string; seq: number; decisionId: string; content: AuditContent; prevHash: Buffer; hash: Buffer }[] = [];
  for (const { tenantId, ...change } of changes) {
    const head = heads.get(tenantId);
    if (!head) throw new Error(`audit chain of tenant ${tenantId} is not locked`);
    const content: AuditContent = { tenantId, seq: head.seq + 1, ...change };
    const hash = auditHash(head.hash, content);
    rows.push({ tenantId, seq: content.seq, decisionId: change.decisionId, content, prevHash: head.hash, hash });
    heads.set(tenantId, { seq: content.seq, hash });
  }
  const touched = [...new Set(rows.map((r) => r.tenantId))];
  // One statement: the rows, as one JSON document (hashes in hex), and the tips that now
  // point at their last ones.
  await client.query(
    `WITH appended AS (
       INSERT INTO decision_audit (tenant_id, seq, decision_id, content, prev_hash, hash)
       SELECT r.tenant_id, r.seq, r.decision_id, r.content, decode(r.prev_hash, 'hex'), decode(r.hash, 'hex')
         FROM jsonb_to_recordset($1::jsonb) AS r(tenant_id text, seq bigint, decision_id uuid, content jsonb, prev_hash text, hash text)
     )
     UPDATE audit_heads h SET seq = t.seq, hash = t.hash
       FROM unnest($2::text[], $3::bigint[], $4::bytea[]) AS t(tenant_id, seq, hash)
      WHERE h.tenant_id = t.tenant_id`,
    [
      JSON.stringify(rows.map((r) => ({
        tenant_id: r.tenantId, seq: r.seq, decision_id: r.decisionId, content: r.content, prev_hash: r.prevHash.toString('hex'), hash: r.hash.toString('hex'),
      }))),
      touched, touched.map((id) => heads.get(id)!.seq), touched.map((id) => heads.get(id)!.hash),
    ],
  );
}

/**
 * Locks the chains of the changes' tenants and appends the changes: for a writer whose
 * other writes are done, so the tenants' chains stay locked only for the append and the commit.
 */
export async function appendToChains(client: PoolClient, changes: readonly (AuditChange & { tenantId: string })[]): Promise<void> {
  if (changes.length === 0) return;
  await appendAudit(client, await lockChainHeads(client, changes.map((c) => c.tenantId)), changes);
}
