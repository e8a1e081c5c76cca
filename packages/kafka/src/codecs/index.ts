export { registerCompressionCodecs } from './register';
export { DecompressionTooLarge } from './decompression-too-large';
export { MAX_DECOMPRESSED_BATCH_BYTES } from './limit';
