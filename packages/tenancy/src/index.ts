export * from './tenants';
export * from './api-keys';
export * from './webhook-secrets';
