import type { Pool } from '@backstop/postgres';

export type ReviewAction = 'approve' | 'reject' | 'false-positive';

export type ReviewOutcome = { result: 'done'; status: string } | { result: 'not-found' } | { result: 'not-pending'; status: string };

/**
 * A reviewer's verdict on a decision waiting for review. Only a pending decision changes, in
 * one guarded UPDATE, so two reviewers clicking at once cannot both win.
 */
export async function reviewDecision(
  pool: Pool,
  tenantId: string | null,
  decisionId: string,
  action: ReviewAction,
  reviewer: string,
  reason: string,
): Promise<ReviewOutcome> {
  const status = action === 'approve' ? 'approved' : 'rejected';
  const note = action === 'approve' ? null : `${action === 'false-positive' ? 'false positive' : 'rejected'}: ${reason}`;
  const updated = await pool.query<{ status: string }>(
    `UPDATE refund_decisions
        SET status = $3, decided_by = $4, reason = coalesce($5, reason), updated_at = now()
      WHERE decision_id = $1 AND ($2::text IS NULL OR tenant_id = $2) AND status = 'pending_review'
      RETURNING status`,
    [decisionId, tenantId, status, reviewer, note],
  );
  if (updated.rows[0]) return { result: 'done', status: updated.rows[0].status };
  const existing = await pool.query<{ status: string }>(
    'SELECT status FROM refund_decisions WHERE decision_id = $1 AND ($2::text IS NULL OR tenant_id = $2)',
    [decisionId, tenantId],
  );
  return existing.rows[0] ? { result: 'not-pending', status: existing.rows[0].status } : { result: 'not-found' };
}
