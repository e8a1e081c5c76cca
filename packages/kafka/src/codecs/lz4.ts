import * as lz4 from 'lz4js';
import { DecompressionTooLarge } from './decompression-too-large';
import { asBuffer, type KafkaCodec } from './kafka-codec';

/**
 * Kafka's LZ4 is the LZ4 frame format (magic 0x184D2204), which lz4js reads whole, linked or
 * independent blocks alike. lz4js checks no checksums (Kafka's batch CRC covers the batch).
 */
export function lz4Codec(limitBytes: number): KafkaCodec {
  return {
    compress: async (encoder) => asBuffer(lz4.compress(encoder.buffer)),
    async decompress(buffer) {
      // The frame's declared content size, or its block count times the block size: an upper
      // bound lz4js reads without decompressing. Typed as void by its declarations, it is a number.
      const bound = lz4.decompressBound(buffer) as unknown as number;
      if (!Number.isSafeInteger(bound) || bound < 0) throw new Error('lz4: the frame declares an impossible size');
      const output = new Uint8Array(Math.min(bound, limitBytes));
      // lz4js counts every byte it decodes but drops those past the buffer's end; the count tells.
      const size = lz4.decompressFrame(buffer, output);
      if (size > output.length) {
        if (size > limitBytes) throw new DecompressionTooLarge('lz4', limitBytes);
        throw new Error('lz4: the frame holds more than it declares');
      }
      return asBuffer(output.subarray(0, size));
    },
  };
}
