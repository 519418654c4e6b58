export * from './nsq-json.serializer.js';
export * from './nsq-text.serializer.js';
export * from './nsq-raw.serializer.js';
export * from './nsq-json-bigint.serializer.js';
