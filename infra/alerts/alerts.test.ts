import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { alertedMetrics } from '@backstop/metrics';

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
  it('covers consumer lag, dead letters, detection latency and refund confirmations', () => {
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
