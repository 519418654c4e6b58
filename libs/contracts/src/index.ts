export * from './topics.js';
export * from './events/index.js';
