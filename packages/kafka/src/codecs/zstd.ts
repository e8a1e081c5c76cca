import { Decompress } from 'fzstd';
import { DecompressionTooLarge } from './decompression-too-large';
import type { KafkaCodec } from './kafka-codec';

/**
 * Reads zstd frames (what librdkafka and Java's zstd-jni write, content size stated or not)
 * with fzstd, pure JavaScript. fzstd cannot compress, and Backstop never produces zstd: a
 * producer asking for it gets an error naming the codecs it can use.
 */
export function zstdCodec(limitBytes: number): KafkaCodec {
  return {
    async compress() {
      throw new Error('Backstop reads zstd but does not write it; produce uncompressed, gzip, snappy or lz4');
    },
    async decompress(buffer) {
      // Streamed block by block (at most 128 KB each) so the limit stops a bomb before it fills memory.
      const blocks: Uint8Array[] = [];
      let total = 0;
      const stream = new Decompress((block) => {
        total += block.length;
        if (total > limitBytes) throw new DecompressionTooLarge('zstd', limitBytes);
        blocks.push(block);
      });
      stream.push(buffer, true);
      return Buffer.concat(blocks, total);
    },
  };
}
