export * from './nsq-event-pattern.decorator.js';
export * from './nsq-message-pattern.decorator.js';
