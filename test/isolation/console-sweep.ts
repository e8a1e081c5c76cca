import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import type { Pool } from '@backstop/postgres';
import type { Role } from '@backstop/tenancy';
import { leakedValues } from '../support/route-sweep';
import { secretsOf, type TenantRole, type TwoTenants } from './two-tenants';

export interface ProbeRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  url: string;
  payload?: unknown;
}

export interface Answer {
  status: number;
  contentType: string;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface ConsoleSweep {
  app: FastifyInstance;
  baseUrl: string;
  pool: Pool;
  tenants: TwoTenants;
  /** As tenant A with a role's key, or with none; fails if the answer carries any of B's data. */
  asA(role: TenantRole | 'no key', request: ProbeRequest): Promise<Answer>;
  asOperator(request: ProbeRequest): Promise<Answer>;
}

export interface RouteProbe {
  /** Who may call the route besides operators, who may call everything; `public` routes hold no tenant data. */
  access: 'public' | readonly Role[];
  /** A request for the role checks, addressing B's data where the route takes an id. */
  sample(tenants: TwoTenants): ProbeRequest;
  /** Proves A's keys can neither read nor change B's data through this route. */
  isolate(sweep: ConsoleSweep): Promise<void>;
}

export function createSweep(app: FastifyInstance, baseUrl: string, pool: Pool, tenants: TwoTenants): ConsoleSweep {
  const send = async (key: string | undefined, request: ProbeRequest): Promise<Answer> => {
    const response = await app.inject({
      method: request.method,
      url: request.url,
      headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(request.payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(request.payload !== undefined ? { payload: JSON.stringify(request.payload) } : {}),
    });
    return { status: response.statusCode, contentType: String(response.headers['content-type'] ?? ''), text: response.body, json: () => response.json() };
  };
  return {
    app, baseUrl, pool, tenants,
    async asA(role, request) {
      const answer = await send(role === 'no key' ? undefined : tenants.a.keys[role].apiKey, request);
      const leaked = leakedValues(answer.text, `${request.url} ${JSON.stringify(request.payload ?? '')}`, secretsOf(tenants.b));
      expect(leaked, `${request.method} ${request.url} as A's ${role} answered ${answer.status} with B's data`).toEqual([]);
      return answer;
    },
    asOperator: (request) => send(tenants.operatorKey, request),
  };
}

export function expectProblem(answer: Answer, status: number, reason?: string): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.contentType).toContain('application/problem+json');
  if (reason) expect(answer.json().type).toBe(`https://backstop.dev/problems/${reason}`);
}

/** Everything of a tenant's that an API call could change, as one comparable document. */
export async function tenantState(pool: Pool, tenantId: string): Promise<string> {
  const result = await pool.query<{ state: string }>(
    `SELECT json_build_object(
       'tenant', (SELECT row_to_json(t) FROM tenants t WHERE tenant_id = $1),
       'keys', (SELECT json_agg(k ORDER BY k.key_id) FROM (SELECT key_id, role, revoked_at FROM api_keys WHERE tenant_id = $1) k),
       'secrets', (SELECT json_agg(s ORDER BY s.secret_id) FROM (SELECT secret_id, secret, retired_at FROM webhook_secrets WHERE tenant_id = $1) s),
       'policy', (SELECT row_to_json(p) FROM refund_policies p WHERE tenant_id = $1),
       'rules', (SELECT row_to_json(r) FROM detector_rules r WHERE tenant_id = $1),
       'refundWebhook', (SELECT row_to_json(w) FROM refund_webhooks w WHERE tenant_id = $1),
       'flags', (SELECT json_agg(f ORDER BY f.flag_id) FROM (SELECT flag_id, false_positive FROM flags WHERE tenant_id = $1) f),
       'decisions', (SELECT json_agg(d ORDER BY d.decision_id) FROM refund_decisions d WHERE tenant_id = $1),
       'outbox', (SELECT count(*) FROM refund_outbox WHERE tenant_id = $1),
       'audit', (SELECT count(*) FROM decision_audit WHERE tenant_id = $1)
     )::text AS state`,
    [tenantId],
  );
  return result.rows[0]!.state;
}

/** Runs `act` and proves, by reading B's rows back, that it changed nothing of B's. */
export async function expectBUntouched(sweep: ConsoleSweep, act: () => Promise<void>): Promise<void> {
  const before = await tenantState(sweep.pool, sweep.tenants.b.tenantId);
  await act();
  expect(await tenantState(sweep.pool, sweep.tenants.b.tenantId)).toEqual(before);
}

const idQueries = {
  flags: 'SELECT flag_id AS id FROM flags WHERE tenant_id = $1 ORDER BY 1',
  decisions: 'SELECT decision_id::text AS id FROM refund_decisions WHERE tenant_id = $1 ORDER BY 1',
} as const;

/** A tenant's flag or decision ids as stored now, sorted. */
export async function idsOf(pool: Pool, what: keyof typeof idQueries, tenantId: string): Promise<string[]> {
  return (await pool.query<{ id: string }>(idQueries[what], [tenantId])).rows.map((row) => row.id);
}

/** The leading columns of a CSV export (ids and tenants, which hold no commas or quotes). */
export function csvColumns<Name extends string>(text: string, names: readonly Name[]): Record<Name, string>[] {
  const [header, ...lines] = text.trim().split('\n');
  const columns = header!.split(',');
  return lines.map((line) => {
    const cells = line.split(',');
    return Object.fromEntries(names.map((name) => [name, cells[columns.indexOf(name)]!])) as Record<Name, string>;
  });
}

export const sorted = (values: Iterable<string>) => [...values].sort();
