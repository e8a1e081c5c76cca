import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertedMetrics } from '@backstop/metrics';
import type { ServiceProcess } from '../dev/service-process';
import { startServices, stopServices } from '../../test/support/services';
import { createIsolatedStack, type IsolatedStack } from '../../test/support/stack';

interface Rule { alert: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }

const rules = (parse(readFileSync(new URL('./backstop.rules.yml', import.meta.url), 'utf8')) as { groups: { name: string; rules: Rule[] }[] })
  .groups.flatMap((group) => group.rules);

/** Metric names an expression selects, with histogram and summary suffixes folded back. */
function selectedMetrics(expr: string): { names: string[]; errors: number } {
  const names: string[] = [];
  let errors = 0;
  parser.parse(expr).iterate({
    enter: (node) => {
      if (node.type.isError) errors += 1;
      if (node.name === 'Identifier') names.push(expr.slice(node.from, node.to).replace(/_(bucket|sum|count)$/, ''));
    },
  });
  return { names, errors };
}

describe('Prometheus alerting rules', () => {
  it('covers consumer lag, stopped consumers, dead letters, detection latency and refund confirmations', () => {
    const watched = new Set(rules.flatMap((rule) => selectedMetrics(rule.expr).names));
    for (const metric of Object.values(alertedMetrics)) expect(watched, metric).toContain(metric);
  });

  it('parses every expression as PromQL and refers only to metrics Backstop exports', () => {
    const known = new Set<string>(Object.values(alertedMetrics));
    for (const rule of rules) {
      const { names, errors } = selectedMetrics(rule.expr);
      expect(errors, rule.alert).toBe(0);
      for (const name of names) expect(known, `${rule.alert} uses ${name}`).toContain(name);
    }
  });

  it('gives every alert a severity, a summary and a for-duration', () => {
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^Backstop[A-Z]\w+$/);
      expect(['page', 'ticket']).toContain(rule.labels?.severity);
      expect(rule.annotations?.summary?.length ?? 0, rule.alert).toBeGreaterThan(10);
      expect(rule.for, rule.alert).toMatch(/^\d+[smh]$/);
    }
  });
});

describe('every alerted metric is exported by a running service', () => {
  let stack: IsolatedStack;
  let services: ServiceProcess[];

  beforeAll(async () => {
    stack = await createIsolatedStack();
    services = await startServices(stack, ['detector', 'refund-worker']);
  }, 120_000);

  afterAll(async () => {
    await stopServices(services ?? []);
    await stack?.close();
  }, 60_000);

  it('finds each name on a /metrics page, with the service label', async () => {
    const pages = await Promise.all(
      services.map(async (service) => {
        const response = await fetch(`${service.address}/metrics`);
        expect(response.status, service.name).toBe(200);
        return { name: service.name, body: await response.text() };
      }),
    );
    for (const metric of Object.values(alertedMetrics)) {
      const exporters = pages.filter((page) => page.body.includes(`# TYPE ${metric} `)).map((page) => page.name);
      expect(exporters, metric).not.toEqual([]);
    }
    for (const page of pages) expect(page.body).toContain(`service="${page.name}"`);
    // Lag is read from the broker at scrape time, per partition of the group's topic.
    expect(pages.find((page) => page.name === 'detector')!.body).toMatch(/backstop_consumer_lag_messages\{[^}]*group="[^"]*backstop-detector"/);
  });
});
