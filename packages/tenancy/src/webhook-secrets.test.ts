import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WebhookSecretCache } from './webhook-secrets';

/** A secrets table whose every query is counted and answered when the test says so: the cache's timing is pure logic. */
function heldTable(initial: string[]) {
  let secrets = initial;
  const pending: (() => void)[] = [];
  const queries: number[] = [];
  const read = (_tenantId: string) => {
    queries.push(Date.now());
    return new Promise<string[]>((resolve) => pending.push(() => resolve(secrets)));
  };
  return {
    read, queries,
    set: (next: string[]) => void (secrets = next),
    answerAll: () => pending.splice(0).forEach((answer) => answer()),
  };
}

describe('WebhookSecretCache', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_770_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('answers from the cache for its ttl, and shares one query among the requests that miss it', async () => {
    const table = heldTable(['whsec_old']);
    const cache = new WebhookSecretCache(table.read, { ttlMs: 5_000 });
    const first = [cache.secretsFor('t'), cache.secretsFor('t')];
    table.answerAll();
    expect(await Promise.all(first)).toEqual([['whsec_old'], ['whsec_old']]);
    table.set(['whsec_new', 'whsec_old']);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(await cache.secretsFor('t')).toEqual(['whsec_old']);
    expect(table.queries).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    const later = cache.secretsFor('t');
    table.answerAll();
    expect(await later).toEqual(['whsec_new', 'whsec_old']);
  });

  it('reads the secrets again for a request that arrived after the cached read, so a rotated secret works at once', async () => {
    const table = heldTable(['whsec_old']);
    const cache = new WebhookSecretCache(table.read, { ttlMs: 5_000, minRereadMs: 1_000 });
    const warm = cache.secretsFor('t');
    table.answerAll();
    await warm;
    await vi.advanceTimersByTimeAsync(1_500);
    table.set(['whsec_new', 'whsec_old']);
    const arrived = Date.now();
    expect(await cache.secretsFor('t')).toEqual(['whsec_old']);
    const fresh = cache.secretsReadSince('t', arrived);
    table.answerAll();
    expect(await fresh).toEqual(['whsec_new', 'whsec_old']);
    // The fresh read serves the cache from then on.
    expect(await cache.secretsFor('t')).toEqual(['whsec_new', 'whsec_old']);
  });

  it('asks nothing again for a request that arrived before the cached read started', async () => {
    const table = heldTable([]);
    const cache = new WebhookSecretCache(table.read);
    const arrived = Date.now();
    const unknown = cache.secretsFor('nobody');
    table.answerAll();
    expect(await unknown).toEqual([]);
    expect(await cache.secretsReadSince('nobody', arrived)).toEqual([]);
    expect(table.queries).toHaveLength(1);
  });

  it('starts at most one query per tenant per minRereadMs however many signatures fail, each request waiting for the next', async () => {
    const table = heldTable(['whsec_old']);
    const cache = new WebhookSecretCache(table.read, { ttlMs: 5_000, minRereadMs: 1_000 });
    const warm = cache.secretsFor('t');
    table.answerAll();
    await warm;
    const answered: string[][] = [];
    for (let step = 0; step < 50; step += 1) {
      // A forged request every 100 ms, each failing and asking for secrets read since it arrived.
      void cache.secretsReadSince('t', Date.now()).then((secrets) => answered.push(secrets));
      await vi.advanceTimersByTimeAsync(100);
      table.answerAll();
    }
    await vi.advanceTimersByTimeAsync(1_000);
    table.answerAll();
    await vi.advanceTimersByTimeAsync(0);
    expect(answered).toHaveLength(50);
    const gaps = table.queries.slice(1).map((at, index) => at - table.queries[index]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(1_000);
    expect(table.queries.length).toBeLessThanOrEqual(7);
    // Other tenants are not held back by this one's failures.
    const other = cache.secretsReadSince('u', Date.now());
    table.answerAll();
    expect(await other).toEqual(['whsec_old']);
  });

  it('lets a failed query through as a failure, and asks again on the next request', async () => {
    let fail = true;
    const cache = new WebhookSecretCache(async () => {
      if (fail) throw new Error('connection refused');
      return ['whsec_1'];
    });
    await expect(cache.secretsFor('t')).rejects.toThrow('connection refused');
    fail = false;
    expect(await cache.secretsFor('t')).toEqual(['whsec_1']);
  });
});
