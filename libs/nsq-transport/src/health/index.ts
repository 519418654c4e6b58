export * from './nsq-health-indicator.js';
export * from './nsq-health-check-options.interface.js';
