import { randomUUID } from 'node:crypto';
import type { RefundPolicy } from '@backstop/contracts';
import { inTransaction, type Pool } from '@backstop/postgres';
import { auditHash, lockChainHeads, type ConfigChangeContent } from './audit-chain';

export interface Promotion {
  tenantId: string;
  jobId: string;
  digest: string;
  /**
   * Only the halves the backtest tried are stored; the others stay as they are. The rules are
   * the document as tried (already validated as a RulesConfig): a tenant stores only what
   * differs from the defaults, as `PUT /v1/rules` does.
   */
  rules?: unknown;
  policy?: RefundPolicy;
  actor: string;
}

/**
 * Stores a backtested configuration as the tenant's own and records the promotion in the
 * tenant's audit hash chain, in one transaction: the detector rereads rules within 30 s and
 * the refund worker reads the policy every batch, as after any other change.
 */
export async function promoteConfiguration(pool: Pool, promotion: Promotion, now = new Date()): Promise<ConfigChangeContent> {
  return inTransaction(pool, async (client) => {
    if (promotion.rules) {
      await client.query(
        `INSERT INTO detector_rules (tenant_id, config, updated_at) VALUES ($1, $2, now())
         ON CONFLICT (tenant_id) DO UPDATE SET config = excluded.config, updated_at = now()`,
        [promotion.tenantId, JSON.stringify(promotion.rules)],
      );
    }
    if (promotion.policy) {
      await client.query(
        `INSERT INTO refund_policies (tenant_id, document, updated_by, updated_at) VALUES ($1, $2, $3, now())
         ON CONFLICT (tenant_id) DO UPDATE SET document = excluded.document, updated_by = excluded.updated_by, updated_at = now()`,
        [promotion.tenantId, JSON.stringify(promotion.policy), promotion.actor],
      );
    }
    // Last, as every writer does: the chain stays locked only for the append and the commit.
    const head = (await lockChainHeads(client, [promotion.tenantId])).get(promotion.tenantId)!;
    const content: ConfigChangeContent = {
      tenantId: promotion.tenantId, seq: head.seq + 1, kind: 'config.promoted', promotionId: randomUUID(), jobId: promotion.jobId, digest: promotion.digest,
      rules: promotion.rules !== undefined, policy: promotion.policy !== undefined, actor: promotion.actor, at: now.toISOString(),
    };
    const hash = auditHash(head.hash, content);
    await client.query(
      'INSERT INTO decision_audit (tenant_id, seq, decision_id, content, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6)',
      [promotion.tenantId, content.seq, content.promotionId, JSON.stringify(content), head.hash, hash],
    );
    await client.query('UPDATE audit_heads SET seq = $2, hash = $3 WHERE tenant_id = $1', [promotion.tenantId, content.seq, hash]);
    return content;
  });
}
