import { afterAll, beforeAll } from 'vitest';
import { createTenant } from '@backstop/tenancy';
import type { ServiceName, ServiceProcess } from '../../infra/dev/service-process';
import { startIngest, type IngestUnderTest } from '../ingest/harness';
import { startServices, stopServices } from '../support/services';
import { createIsolatedStack, type IsolatedStack } from '../support/stack';

export interface CheckingStack {
  stack: IsolatedStack;
  /** Each tenant's webhook secret, by tenant id. */
  secrets: Record<string, string>;
  /** Ingest in this process, where the tests post payments and checks. */
  ingest: IngestUnderTest;
}

export interface CheckingStackOptions {
  /** Tenant names by tenant id. */
  tenants: Record<string, string>;
  /** The services that act on what ingest accepts, as processes. */
  services: ServiceName[];
  /** Given to those services and to ingest alike. */
  env?: Record<string, string>;
}

/**
 * What the tests of pre-payment checks run on, for the tests of one `describe`: started before
 * them and stopped after them. Call it in the `describe` body; the fields are set once its
 * `beforeAll` ran.
 */
export function checkingStack({ tenants, services, env = {} }: CheckingStackOptions): CheckingStack {
  const checking = { secrets: {} } as CheckingStack;
  let started: ServiceProcess[] = [];
  beforeAll(async () => {
    checking.stack = await createIsolatedStack();
    for (const [tenantId, name] of Object.entries(tenants)) checking.secrets[tenantId] = (await createTenant(checking.stack.pool, { tenantId, name })).webhookSecret;
    started = await startServices(checking.stack, services, env);
    // A deadline far beyond any honest answer: these tests prove what checks say; the deadline has its own test.
    checking.ingest = await startIngest(checking.stack, { env: { ...env, INGEST_CHECK_DEADLINE_MS: '5000' } });
  }, 120_000);
  afterAll(async () => {
    await checking.ingest?.close();
    await stopServices(started);
    await checking.stack?.close();
  }, 60_000);
  return checking;
}
