import { execFile, spawnSync } from 'node:child_process';

/** Kafka's codecs as kcat (librdkafka) names them. */
export const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Codec = (typeof CODECS)[number];

/** Whether Debian's `kcat` is on the PATH (`.ci/run` installs it). */
export const kcatInstalled = spawnSync('kcat', ['-V'], { stdio: 'ignore' }).status === 0;

export interface KcatBatch {
  /** The codec librdkafka reports for each batch it produced: it sends a batch uncompressed when compressing would not shrink it. */
  codecsUsed: string[];
}

/**
 * Produces lines as records with kcat, a client nobody here wrote, compressed with `codec`.
 * Each line is `key<TAB>value`. librdkafka's own debug output tells which codec each batch
 * actually went out with.
 */
export function kcatProduce(brokers: string[], topic: string, codec: Codec, records: { key: string; value: string }[]): Promise<KcatBatch> {
  const input = records.map((record) => `${record.key}\t${record.value}\n`).join('');
  return new Promise((resolve, reject) => {
    const child = execFile(
      'kcat',
      ['-P', '-b', brokers.join(','), '-t', topic, '-z', codec, '-K', '\t', '-X', 'debug=msg', '-X', 'linger.ms=50'],
      { timeout: 30_000, maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) return reject(new Error(`kcat failed: ${error.message}\n${stderr}`));
        const codecsUsed = [...stderr.matchAll(/Produce MessageSet with \d+ message\(s\) \([^)]*, (\w+)\)/g)].map((match) => match[1]!);
        resolve({ codecsUsed });
      },
    );
    child.stdin!.end(input);
  });
}
