export * from './nsq-connection-options.interface.js';
export * from './server-nsq-options.interface.js';
export * from './client-nsq-options.interface.js';
export { resolveServerOptions, SERVER_DEFAULTS, defaultRequeueDelay, type ResolvedServerNsqOptions } from './resolve-server-options.js';
export { resolveClientOptions, CLIENT_DEFAULTS, type ResolvedClientNsqOptions } from './resolve-client-options.js';
