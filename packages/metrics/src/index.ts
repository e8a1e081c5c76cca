export * from './metrics-server';
export * from './consumer-lag';
