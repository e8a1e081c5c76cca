import { gzipSync } from 'node:zlib';
import { compress as snappyRaw } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { DecompressionTooLarge } from './decompression-too-large';
import { gzipCodec } from './gzip';
import { lz4Codec } from './lz4';
import { snappyCodec } from './snappy';
import { zstdCodec } from './zstd';

const LIMIT = 1024 * 1024;
const batch = Buffer.from(JSON.stringify({ payments: Array.from({ length: 200 }, (_, i) => ({ id: `pay_${i}`, amount: 3000 + i })) }));

// `printf '{"hello":"zstd"}' | zstd -c`: a frame with its content size and checksum, as librdkafka writes.
const zstdFrame = Buffer.from('28b52ffd04588100007b2268656c6c6f223a227a737464227dc6450e8e', 'hex');

/** Java's snappy (xerial's SnappyOutputStream): magic, version 1, compatible 1, then length-prefixed raw blocks. */
function xerialFramed(...parts: Buffer[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const blocks = parts.map((part) => {
    const block = Buffer.from(snappyRaw(part));
    const length = Buffer.alloc(4);
    length.writeUInt32BE(block.length);
    return Buffer.concat([length, block]);
  });
  return Buffer.concat([header, ...blocks]);
}

describe('compression codecs', () => {
  it.each([
    ['gzip', gzipCodec(LIMIT)],
    ['snappy', snappyCodec(LIMIT)],
    ['lz4', lz4Codec(LIMIT)],
  ])('%s gives back what it compressed, as a Buffer', async (_name, codec) => {
    const compressed = await codec.compress({ buffer: batch });
    expect(compressed.length).toBeLessThan(batch.length);
    const restored = await codec.decompress(compressed);
    expect(Buffer.isBuffer(restored)).toBe(true);
    expect(restored.equals(batch)).toBe(true);
  });

  it('reads snappy in xerial framing, as Java producers write it, block after block', async () => {
    const restored = await snappyCodec(LIMIT).decompress(xerialFramed(batch.subarray(0, 1000), batch.subarray(1000)));
    expect(restored.equals(batch)).toBe(true);
  });

  it('refuses a xerial frame whose block runs past its end instead of reading beyond it', async () => {
    const framed = xerialFramed(batch);
    await expect(snappyCodec(LIMIT).decompress(framed.subarray(0, framed.length - 10))).rejects.toThrow('cut short');
  });

  it('reads a zstd frame and refuses to write one', async () => {
    expect((await zstdCodec(LIMIT).decompress(zstdFrame)).toString()).toBe('{"hello":"zstd"}');
    await expect(zstdCodec(LIMIT).compress({ buffer: batch })).rejects.toThrow('does not write it');
  });

  it('stops every codec at the limit with an error that is not retried', async () => {
    const small = 100;
    const lz4Batch = await lz4Codec(LIMIT).compress({ buffer: batch });
    const bombs: [string, () => Promise<Buffer>][] = [
      ['gzip', () => gzipCodec(small).decompress(gzipSync(batch))],
      ['snappy', () => snappyCodec(small).decompress(Buffer.from(snappyRaw(batch)))],
      ['snappy', () => snappyCodec(small).decompress(xerialFramed(batch.subarray(0, 80), batch.subarray(80, 160)))],
      ['lz4', () => lz4Codec(small).decompress(lz4Batch)],
      ['zstd', () => zstdCodec(10).decompress(zstdFrame)],
    ];
    for (const [codec, bomb] of bombs) {
      const error = await bomb().then(() => undefined, (reason: unknown) => reason);
      expect(error, codec).toBeInstanceOf(DecompressionTooLarge);
      expect(error, codec).toMatchObject({ code: 'decompression-too-large', retriable: false });
      expect((error as Error).message, codec).toContain(codec);
    }
  });

  it('rejects data that is not what its codec says', async () => {
    const garbage = Buffer.from('not compressed at all, just a platform bug');
    for (const codec of [gzipCodec(LIMIT), snappyCodec(LIMIT), lz4Codec(LIMIT), zstdCodec(LIMIT)]) {
      await expect(codec.decompress(garbage)).rejects.toThrow();
    }
  });
});
