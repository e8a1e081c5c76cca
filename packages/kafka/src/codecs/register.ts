import kafkajs from 'kafkajs';
import { gzipCodec } from './gzip';
import type { KafkaCodec } from './kafka-codec';
import { MAX_DECOMPRESSED_BATCH_BYTES } from './limit';
import { lz4Codec } from './lz4';
import { snappyCodec } from './snappy';
import { zstdCodec } from './zstd';

// KafkaJS is CommonJS and builds its exports in a way Node's ESM loader cannot name one by one.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * Teaches KafkaJS every codec Kafka has. KafkaJS ships gzip only and stops a consumer for good
 * on the first snappy, lz4 or zstd batch, which platforms' producers often write. The table is
 * KafkaJS's own and shared by the whole process, so registering twice is harmless.
 */
export function registerCompressionCodecs(limitBytes = MAX_DECOMPRESSED_BATCH_BYTES): void {
  const codecs: Record<number, KafkaCodec> = {
    [CompressionTypes.GZIP]: gzipCodec(limitBytes),
    [CompressionTypes.Snappy]: snappyCodec(limitBytes),
    [CompressionTypes.LZ4]: lz4Codec(limitBytes),
    [CompressionTypes.ZSTD]: zstdCodec(limitBytes),
  };
  for (const [type, codec] of Object.entries(codecs)) {
    CompressionCodecs[Number(type) as keyof typeof CompressionCodecs] = () => codec;
  }
}
