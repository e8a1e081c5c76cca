import type { Pool } from '@backstop/postgres';
import { auditHash, GENESIS_HASH, type AuditContent } from './audit-chain';
import { formatMoney } from '@backstop/messages';

export interface ChainBreak {
  tenantId: string;
  /** The first row that does not verify (null: rows are missing after the last one). */
  seq: number | null;
  problem: string;
}

/** A decision whose stored state is not what its audit trail last recorded. */
export interface DecisionDrift {
  tenantId: string;
  decisionId: string;
  problem: string;
}

export interface ChainReport {
  tenantsChecked: number;
  rowsChecked: number;
  breaks: ChainBreak[];
  drifts: DecisionDrift[];
}

interface AuditRow {
  tenant_id: string;
  seq: number;
  content: AuditContent;
  prev_hash: Buffer;
  hash: Buffer;
}

/**
 * Walks every tenant's chain in order, page by page, and names the first row that fails:
 * an edited row no longer hashes to its stored hash (or, re-hashed, breaks the next row's
 * link); a removed or reordered row breaks the sequence and the link to its predecessor.
 */
export async function verifyAuditChains(pool: Pool, pageSize = 5_000): Promise<ChainReport> {
  const report: ChainReport = { tenantsChecked: 0, rowsChecked: 0, breaks: [], drifts: [] };
  const heads = await pool.query<{ tenant_id: string; seq: number; hash: Buffer }>('SELECT tenant_id, seq, hash FROM audit_heads ORDER BY tenant_id');
  for (const head of heads.rows) {
    report.tenantsChecked += 1;
    let expectedSeq = 1;
    let expectedPrev: Buffer = GENESIS_HASH;
    let broken: ChainBreak | null = null;
    let after = 0;
    for (;;) {
      const page = await pool.query<AuditRow>(
        'SELECT tenant_id, seq, content, prev_hash, hash FROM decision_audit WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
        [head.tenant_id, after, pageSize],
      );
      for (const row of page.rows) {
        report.rowsChecked += 1;
        broken = checkRow(row, expectedSeq, expectedPrev);
        if (broken) break;
        expectedSeq += 1;
        expectedPrev = row.hash;
      }
      if (broken || page.rows.length < pageSize) break;
      after = page.rows[page.rows.length - 1]!.seq;
    }
    if (!broken && (head.seq !== expectedSeq - 1 || !head.hash.equals(expectedPrev))) {
      broken = { tenantId: head.tenant_id, seq: null, problem: `the chain ends at row ${expectedSeq - 1} but its tip says ${head.seq}: rows were removed from the end` };
    }
    if (broken) report.breaks.push(broken);
  }
  report.drifts = await findDrifts(pool);
  return report;
}

/**
 * Decisions edited behind the ledger's back: the chain can be intact while the decision row
 * itself was changed, so each decision's status and amount are held against its last audit
 * row (and a decision without any audit row is reported too).
 */
async function findDrifts(pool: Pool, limit = 1_000): Promise<DecisionDrift[]> {
  const result = await pool.query<{ tenant_id: string; decision_id: string; status: string; amount: number; currency: string; audited_status: string | null; audited_amount: number | null }>(
    `SELECT d.tenant_id, d.decision_id, d.status, d.amount, d.currency, last.content->>'to' AS audited_status, (last.content->>'amount')::bigint AS audited_amount
       FROM refund_decisions d
       LEFT JOIN LATERAL (SELECT a.content FROM decision_audit a WHERE a.tenant_id = d.tenant_id AND a.decision_id = d.decision_id ORDER BY a.seq DESC LIMIT 1) last ON true
      WHERE last.content IS NULL OR last.content->>'to' <> d.status OR (last.content->>'amount')::bigint <> d.amount
      ORDER BY d.tenant_id, d.created_at
      LIMIT $1`,
    [limit],
  );
  return result.rows.map((row) => ({
    tenantId: row.tenant_id,
    decisionId: row.decision_id,
    problem: row.audited_status === null
      ? 'the decision has no audit trail'
      : `the decision says ${row.status}, ${formatMoney(row.amount, row.currency)} but its audit trail last recorded ${row.audited_status}, `
        + `${row.audited_amount === null ? 'no amount' : formatMoney(row.audited_amount, row.currency)}`,
  }));
}

function checkRow(row: AuditRow, expectedSeq: number, expectedPrev: Buffer): ChainBreak | null {
  const at = (problem: string): ChainBreak => ({ tenantId: row.tenant_id, seq: row.seq, problem });
  if (row.seq !== expectedSeq) return at(`expected row ${expectedSeq} next: a row was removed before it`);
  if (!row.prev_hash.equals(expectedPrev)) return at('its link does not match the previous row\'s hash: a row before it was removed, inserted or edited and re-hashed');
  if (row.content.seq !== row.seq || row.content.tenantId !== row.tenant_id) return at('its content names another position: rows were reordered');
  if (!auditHash(row.prev_hash, row.content).equals(row.hash)) return at('its content does not match its hash: the row was edited');
  return null;
}
