export * from './client';
export * from './producer';
export * from './topics';
export * from './dead-letter';
export * from './commit-batch';
export * from './retriable';
export * from './coordinator-ready';
export * from './codecs';
