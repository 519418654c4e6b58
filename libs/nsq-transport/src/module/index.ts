export * from './nsq-client.module.js';
export * from './nsq-server.module.js';
export type * from './nsq-module-options.interface.js';
