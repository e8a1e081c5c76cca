export * from './pool';
export * from './database';
export * from './migrate';
