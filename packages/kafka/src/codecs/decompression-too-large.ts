/**
 * A compressed record batch that would decompress past the limit. Not retriable: the same
 * batch comes back on every fetch, so the consumer stops for good and says so.
 */
export class DecompressionTooLarge extends Error {
  readonly code = 'decompression-too-large';
  readonly retriable = false;

  constructor(codec: string, limitBytes: number) {
    super(`a ${codec} record batch decompresses to more than ${limitBytes} bytes`);
    this.name = 'DecompressionTooLarge';
  }
}
