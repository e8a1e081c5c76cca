export * from './metrics-server';
export * from './consumer-lag';
export * from './names';
export * from './consumer-running';
