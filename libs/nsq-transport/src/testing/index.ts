export * from './nsq-test-context.js';
export * from './test-nsqd.js';
export * from './test-nsqd-start.error.js';
