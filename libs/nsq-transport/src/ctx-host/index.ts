export * from './nsq.context.js';
