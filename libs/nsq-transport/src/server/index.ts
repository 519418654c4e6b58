export * from './server-nsq.js';
export type { NsqEventPatternExtras } from './nsq-routes.js';
