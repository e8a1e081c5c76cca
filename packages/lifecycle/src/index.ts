export * from './stop-on-signals';
export * from './fault-point';
