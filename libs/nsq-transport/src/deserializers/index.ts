export * from './nsq-json.deserializer.js';
export * from './nsq-text.deserializer.js';
export * from './nsq-raw.deserializer.js';
export * from './nsq-json-bigint.deserializer.js';
