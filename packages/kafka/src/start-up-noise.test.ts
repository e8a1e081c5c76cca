import { describe, expect, it } from 'vitest';
import { StartUpNoise, startUpCondition } from './start-up-noise';

describe('start-up noise from KafkaJS', () => {
  it('recognises a coordinator still loading, in a response log and in a consumer crash', () => {
    const loading = "The coordinator is loading and hence can't process requests for this group";
    expect(startUpCondition('Response InitProducerId(key: 22, version: 1)', { error: loading })).toBe(loading);
    expect(startUpCondition(`Crash: KafkaJSProtocolError: ${loading}`, { groupId: 'g' })).toBe(loading);
    expect(startUpCondition('Response GroupCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' })).toBe(
      'The group coordinator is not available',
    );
  });

  it('leaves every other error alone', () => {
    expect(startUpCondition('Connection error: connect ECONNREFUSED 127.0.0.1:9092', {})).toBeUndefined();
    expect(startUpCondition('Response Produce(key: 0, version: 7)', { error: 'The request included a message larger than the max message size the server will accept' })).toBeUndefined();
    expect(startUpCondition('Crash: KafkaJSNonRetriableError', { error: 42 })).toBeUndefined();
  });

  it('says each condition once', () => {
    const noise = new StartUpNoise();
    expect([noise.firstTime('a'), noise.firstTime('a'), noise.firstTime('b')]).toEqual([true, false, true]);
  });
});
