export * from './stop-on-signals';
export * from './fault-point';
export * from './shutdown-plan';
export * from './run-service';
export * from './poll-loop';
