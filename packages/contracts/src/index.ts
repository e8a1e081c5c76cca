export * from './money';
export * from './ids';
export * from './payment-event';
export * from './ingested-event';
export * from './flag';
export * from './refund';
export * from './topics';
