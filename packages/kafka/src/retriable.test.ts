import { describe, expect, it } from 'vitest';
import { retryRetriable } from './retriable';

// Shaped as KafkaJS shapes protocol errors: the broker's verdict on retrying rides along.
const loading = () => Object.assign(new Error('The coordinator is loading'), { type: 'GROUP_LOAD_IN_PROGRESS', retriable: true });
const denied = () => Object.assign(new Error('Not authorized'), { type: 'GROUP_AUTHORIZATION_FAILED', retriable: false });

describe('retryRetriable', () => {
  it('asks again while the broker says the error is passing, then returns the answer', async () => {
    let calls = 0;
    const answer = await retryRetriable(async () => {
      calls += 1;
      if (calls < 3) throw loading();
      return 'offsets';
    }, { delayMs: 1 });
    expect([answer, calls]).toEqual(['offsets', 3]);
  });

  it('passes on an error that will not pass at once, and a passing one after the last attempt', async () => {
    let calls = 0;
    await expect(retryRetriable(async () => {
      calls += 1;
      throw denied();
    }, { delayMs: 1 })).rejects.toThrow('Not authorized');
    expect(calls).toBe(1);
    calls = 0;
    await expect(retryRetriable(async () => {
      calls += 1;
      throw loading();
    }, { attempts: 4, delayMs: 1 })).rejects.toThrow('loading');
    expect(calls).toBe(4);
  });
});
