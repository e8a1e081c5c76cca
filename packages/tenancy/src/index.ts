export * from './tenants';
export * from './api-keys';
export * from './webhook-secrets';
export * from './secret-rotation';
export * from './detector-rules';
