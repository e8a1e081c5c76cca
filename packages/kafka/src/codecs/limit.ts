/**
 * The most one record batch may decompress to. A producer's batch is at most a few MB before
 * compression (librdkafka's message.max.bytes is 1 MB, Java's batch.size 16 KB to 1 MB), so
 * this is far above any real batch; it exists because a platform's topic is outside our
 * control, and a few KB of zstd or gzip can claim gigabytes.
 */
export const MAX_DECOMPRESSED_BATCH_BYTES = 64 * 1024 * 1024;
