export * from './audit-chain';
export * from './verify-chain';
export * from './transitions';
export * from './outbox';
export * from './policies';
export * from './refund-webhooks';
export * from './decisions';
export * from './config-promotion';
