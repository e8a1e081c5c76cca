import { promisify } from 'node:util';
import { gzip as gzipCallback, unzip as unzipCallback } from 'node:zlib';
import { DecompressionTooLarge } from './decompression-too-large';
import type { KafkaCodec } from './kafka-codec';

const gzip = promisify(gzipCallback);
const unzip = promisify(unzipCallback);

/** KafkaJS's own gzip codec, bounded: zlib stops at the limit instead of filling memory. */
export function gzipCodec(limitBytes: number): KafkaCodec {
  return {
    compress: (encoder) => gzip(encoder.buffer),
    async decompress(buffer) {
      try {
        return await unzip(buffer, { maxOutputLength: limitBytes });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new DecompressionTooLarge('gzip', limitBytes);
        throw error;
      }
    },
  };
}
