export * from './nsq-codec.interface.js';
