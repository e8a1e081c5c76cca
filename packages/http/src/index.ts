export * from './problem';
export * from './error-handler';
export * from './client-error';
export * from './server';
export * from './route-table';
export * from './problem-details';
export * from './request-latency';
