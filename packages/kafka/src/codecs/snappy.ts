import { compress, uncompress } from 'snappyjs';
import { DecompressionTooLarge } from './decompression-too-large';
import { asBuffer, type KafkaCodec } from './kafka-codec';

// Java producers write snappy in xerial's framing: this magic, a version and a compatible
// version (4 bytes each), then blocks of a 4-byte big-endian length and raw snappy. librdkafka
// writes raw snappy. Both arrive on platform topics.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

/** Reads both of Kafka's snappy layouts; writes raw snappy, which every Kafka client reads. */
export function snappyCodec(limitBytes: number): KafkaCodec {
  return {
    compress: async (encoder) => asBuffer(compress(encoder.buffer)),
    async decompress(buffer) {
      if (!isXerialFramed(buffer)) return asBuffer(uncompressBounded(buffer, limitBytes, limitBytes));
      const blocks: Uint8Array[] = [];
      let total = 0;
      for (let offset = XERIAL_HEADER_BYTES; offset < buffer.length; ) {
        if (offset + 4 > buffer.length) throw new Error('snappy: xerial block length cut short');
        const length = buffer.readUInt32BE(offset);
        offset += 4;
        if (offset + length > buffer.length) throw new Error('snappy: xerial block cut short');
        const block = uncompressBounded(buffer.subarray(offset, offset + length), limitBytes - total, limitBytes);
        total += block.length;
        blocks.push(block);
        offset += length;
      }
      return Buffer.concat(blocks, total);
    },
  };
}

function isXerialFramed(buffer: Buffer): boolean {
  return buffer.length >= XERIAL_HEADER_BYTES && buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC);
}

/** snappy states its uncompressed length up front; snappyjs refuses one over `maxLength` before allocating. */
function uncompressBounded(block: Uint8Array, maxLength: number, limitBytes: number): Uint8Array {
  try {
    return uncompress(block, maxLength);
  } catch (error) {
    if ((error as Error).message.includes('is too big')) throw new DecompressionTooLarge('snappy', limitBytes);
    throw error;
  }
}
