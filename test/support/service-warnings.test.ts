import { describe, expect, it } from 'vitest';
import type { ServiceProcess } from '../../infra/dev/service-process';
import { serviceWarnings } from './services';

const serviceWith = (lines: string[]) => ({ name: 'refund-worker', child: { pid: 4242 }, lines }) as unknown as ServiceProcess;
const record = (level: number, msg: string, extra: Record<string, unknown> = {}) => JSON.stringify({ level, msg, ...extra });

describe('the services\' warnings a failed fault test carries', () => {
  it('counts each distinct warning once, so a repeated connection error does not drown the line that matters', () => {
    const lines = [
      record(30, 'refund worker consuming'),
      ...Array.from({ length: 200 }, () => record(50, 'Connection error: connect ECONNREFUSED 127.0.0.1:29292')),
      record(50, 'consumer stopped for good; the service reports not ready', { err: 'KafkaJSNonRetriableError: The coordinator is not aware of this member' }),
      'TypeError: something thrown outside the logger',
      // A blank line between records is nothing to report.
      '',
    ];
    const text = serviceWarnings([serviceWith(lines)]);
    expect(text).toContain('refund-worker (pid 4242): 202 warnings and errors, 3 distinct');
    expect(text).toContain('200 × Connection error: connect ECONNREFUSED 127.0.0.1:29292');
    expect(text).toContain('1 × consumer stopped for good; the service reports not ready (KafkaJSNonRetriableError: The coordinator is not aware of this member)');
    expect(text).toContain('1 × TypeError: something thrown outside the logger');
    expect(text).not.toContain('refund worker consuming');
  });

  it('says so when a service warned about nothing', () => {
    expect(serviceWarnings([serviceWith([record(30, 'refund worker consuming')])])).toBe('refund-worker (pid 4242): 0 warnings and errors, 0 distinct');
  });
});
