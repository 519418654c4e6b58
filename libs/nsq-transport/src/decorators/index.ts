export * from './nsq-event-pattern.decorator.js';
