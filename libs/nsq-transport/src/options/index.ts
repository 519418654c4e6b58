export * from './nsq-connection-options.interface.js';
export * from './server-nsq-options.interface.js';
export * from './client-nsq-options.interface.js';
