export * from './nsq.record-builder.js';
