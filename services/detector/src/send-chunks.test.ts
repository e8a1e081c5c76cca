import { describe, expect, it } from 'vitest';
import { chunkByBytes } from './send-chunks';

const message = (key: string, bytes: number) => ({ key, value: 'x'.repeat(bytes - key.length) });

describe('chunkByBytes', () => {
  it('keeps every message, in order, in groups no larger than the budget', () => {
    const messages = Array.from({ length: 10 }, (_, i) => message(`k${i}`, 300));
    const chunks = chunkByBytes(messages, 1_000);
    expect(chunks.map((chunk) => chunk.length)).toEqual([3, 3, 3, 1]);
    expect(chunks.flat()).toEqual(messages);
  });

  it('sends a single message larger than the budget on its own rather than dropping it', () => {
    const big = message('big', 5_000);
    expect(chunkByBytes([message('a', 100), big, message('b', 100)], 1_000)).toEqual([[message('a', 100)], [big], [message('b', 100)]]);
  });

  it('counts bytes, not characters', () => {
    const wide = { key: 'k', value: '价'.repeat(200) }; // 3 bytes each in UTF-8
    expect(chunkByBytes([wide, wide], 1_000)).toHaveLength(2);
  });

  it('gives nothing for nothing', () => {
    expect(chunkByBytes([])).toEqual([]);
  });
});
