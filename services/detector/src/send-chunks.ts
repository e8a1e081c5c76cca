/**
 * The broker refuses a produce request whose record batch for one partition is larger than its
 * message.max.bytes (1 MiB by default), and KafkaJS treats that as fatal: the consumer stops.
 * A backlog drained in large fetches can yield more flags than fit, so flags go out in groups
 * of at most this many bytes of keys and values (uncompressed), in order.
 */
export const MAX_SEND_BYTES = 512 * 1024;

export function chunkByBytes<T extends { key: string; value: string }>(messages: readonly T[], maxBytes = MAX_SEND_BYTES): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.key) + Buffer.byteLength(message.value);
    if (current.length > 0 && bytes + size > maxBytes) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
