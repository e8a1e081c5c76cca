/** What `packArguments` can encode: all a Lua script needs from us. */
export type Packable = number | string | Buffer | readonly Packable[];

/**
 * A minimal MessagePack encoder for a script's compound argument, unpacked in Lua with
 * `cmsgpack.unpack`: arrays, numbers (integers as uint32, anything else as float64, which Lua
 * reads as the same number), UTF-8 strings and binary strings (bytes kept as they are).
 */
export function packArguments(value: Packable): Buffer {
  const chunks: Buffer[] = [];
  write(value, chunks);
  return Buffer.concat(chunks);
}

function write(value: Packable, chunks: Buffer[]): void {
  if (typeof value === 'number') {
    if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
      const out = Buffer.allocUnsafe(5);
      out[0] = 0xce;
      out.writeUInt32BE(value, 1);
      chunks.push(out);
    } else {
      const out = Buffer.allocUnsafe(9);
      out[0] = 0xcb;
      out.writeDoubleBE(value, 1);
      chunks.push(out);
    }
  } else if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    chunks.push(header(bytes.length, 0xd9, 0xda, 0xdb), bytes);
  } else if (Buffer.isBuffer(value)) {
    // As a string: Redis's cmsgpack predates the bin types, and a Lua string holds any bytes.
    chunks.push(header(value.length, 0xd9, 0xda, 0xdb), value);
  } else {
    const items = value as readonly Packable[];
    if (items.length < 16) chunks.push(Buffer.of(0x90 | items.length));
    else chunks.push(header(items.length, undefined, 0xdc, 0xdd));
    for (const item of items) write(item, chunks);
  }
}

/** A type byte and a big-endian length of 1, 2 or 4 bytes, the smallest that fits. */
function header(length: number, type8: number | undefined, type16: number, type32: number): Buffer {
  if (type8 !== undefined && length <= 0xff) return Buffer.of(type8, length);
  if (length <= 0xffff) {
    const out = Buffer.allocUnsafe(3);
    out[0] = type16;
    out.writeUInt16BE(length, 1);
    return out;
  }
  const out = Buffer.allocUnsafe(5);
  out[0] = type32;
  out.writeUInt32BE(length, 1);
  return out;
}
