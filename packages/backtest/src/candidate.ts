import { createHash } from 'node:crypto';
import { RefundPolicy, RulesConfig, TenantId } from '@backstop/contracts';
import { parseStoredPolicy } from '@backstop/ledger';
import type { Pool } from '@backstop/postgres';
import { loadDetectorRules } from '@backstop/tenancy';
import type { z } from 'zod';
import { BacktestError } from './backtest-error';

/** The configuration a backtest tries, and where each half came from. */
export interface Candidate {
  tenantId: string;
  timeZone: string;
  rules: RulesConfig;
  policy: RefundPolicy;
  rulesFrom: string;
  policyFrom: string;
  /** Names exactly these rules and this policy: a promotion says which report it acts on. */
  digest: string;
}

const fields = (error: z.ZodError) => error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');

/**
 * Checks the tenant and the documents before anything is read: a candidate document is
 * validated whole (a field left out takes its default, as when it is stored), and what is
 * not given is the tenant's configuration in force.
 */
export async function resolveCandidate(
  pool: Pool,
  request: { tenantId: string; rules?: { document: unknown; from: string }; policy?: { document: unknown; from: string } },
): Promise<Candidate> {
  const tenantId = TenantId.safeParse(request.tenantId);
  if (!tenantId.success) throw new BacktestError('unknown-tenant', `invalid tenant id "${request.tenantId}": lower-case letters, digits, "-" and "_"`);
  const tenant = await pool.query<{ time_zone: string; policy: unknown }>(
    'SELECT t.time_zone, p.document AS policy FROM tenants t LEFT JOIN refund_policies p USING (tenant_id) WHERE t.tenant_id = $1',
    [tenantId.data],
  );
  const row = tenant.rows[0];
  if (!row) throw new BacktestError('unknown-tenant', `no tenant "${tenantId.data}"`);

  let rules: RulesConfig;
  if (request.rules) {
    const parsed = RulesConfig.safeParse(request.rules.document);
    if (!parsed.success) throw new BacktestError('invalid-rules', `invalid rules (${request.rules.from}): ${fields(parsed.error)}`);
    rules = parsed.data;
  } else {
    rules = (await loadDetectorRules(pool, tenantId.data)).effective;
  }
  let policy: RefundPolicy;
  if (request.policy) {
    const parsed = RefundPolicy.safeParse(request.policy.document);
    if (!parsed.success) throw new BacktestError('invalid-policy', `invalid policy (${request.policy.from}): ${fields(parsed.error)}`);
    policy = parsed.data;
  } else {
    policy = parseStoredPolicy(row.policy).policy;
  }
  const digest = createHash('sha256').update(JSON.stringify({ rules, policy })).digest('hex').slice(0, 16);
  return {
    tenantId: tenantId.data, timeZone: row.time_zone, rules, policy,
    rulesFrom: request.rules?.from ?? 'in force', policyFrom: request.policy?.from ?? 'in force', digest,
  };
}
