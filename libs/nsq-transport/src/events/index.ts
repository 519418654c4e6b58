export * from './nsq.events.js';
