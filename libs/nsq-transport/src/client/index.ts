export * from './client-nsq.js';
