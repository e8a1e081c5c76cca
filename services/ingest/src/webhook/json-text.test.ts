import { describe, expect, it } from 'vitest';
import { parseJson } from './validate';

const refusal = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error as { status: number; reason: string; detail?: string; extensions: Record<string, unknown> };
  }
  throw new Error('expected a refusal');
};

describe('parseJson', () => {
  it('refuses a body that is not UTF-8 instead of reading U+FFFD into it, without echoing it', () => {
    const latin1 = Buffer.concat([Buffer.from('{"payerId":"Jos'), Buffer.from([0xe9]), Buffer.from('"}')]);
    const problem = refusal(() => parseJson(latin1));
    expect(problem).toMatchObject({ status: 400, reason: 'invalid-utf8' });
    expect(problem.detail).not.toContain('Jos');
    for (const bytes of [[0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe4, 0xbd]]) {
      expect(refusal(() => parseJson(Buffer.concat([Buffer.from('{"a":"'), Buffer.from(bytes), Buffer.from('"}')]))).reason).toBe('invalid-utf8');
    }
  });

  it('takes UTF-8 as it is, U+FFFD sent on purpose included', () => {
    expect(parseJson(Buffer.from('{"payerId":"José","sku":"腾讯Q币-100","note":"\uFFFD😀"}'))).toEqual({ payerId: 'José', sku: '腾讯Q币-100', note: '\uFFFD😀' });
  });

  it('refuses a member name sent twice in one object, naming its path', () => {
    const problem = refusal(() => parseJson(Buffer.from('{"data":{"amount":3000,"amount":300000}}')));
    expect(problem).toMatchObject({ status: 400, reason: 'duplicate-key', extensions: { errors: [{ path: '$.data.amount' }] } });
  });
});
