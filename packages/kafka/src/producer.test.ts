import { describe, expect, it } from 'vitest';
import { KafkaJSNonRetriableError, KafkaJSNumberOfRetriesExceeded, KafkaJSProtocolError } from 'kafkajs';
import { breaksIdempotence } from './producer';

const protocolError = (type: string) => Object.assign(new KafkaJSProtocolError(type), { type });

describe('breaksIdempotence', () => {
  it('recognises the broker refusing the producer\'s sequence, also inside the errors KafkaJS wraps it in', () => {
    expect(breaksIdempotence(protocolError('OUT_OF_ORDER_SEQUENCE_NUMBER'))).toBe(true);
    const unknownProducer = protocolError('UNKNOWN_PRODUCER_ID');
    // As KafkaJS's retrier wraps a non-retriable error: the original as its cause.
    expect(breaksIdempotence(Object.assign(new KafkaJSNonRetriableError(unknownProducer), { cause: unknownProducer }))).toBe(true);
    expect(breaksIdempotence(new KafkaJSNumberOfRetriesExceeded(protocolError('INVALID_PRODUCER_EPOCH'), { retryCount: 3, retryTime: 100 }))).toBe(true);
  });

  it('leaves every other failure to the ordinary retry', () => {
    expect(breaksIdempotence(protocolError('NOT_LEADER_FOR_PARTITION'))).toBe(false);
    expect(breaksIdempotence(new Error('Connection error: connect ECONNREFUSED'))).toBe(false);
    expect(breaksIdempotence('OUT_OF_ORDER_SEQUENCE_NUMBER')).toBe(false);
  });
});
