/**
 * The wall around nsqjs: the only folder that touches nsqjs's undeclared
 * internals, written against nsqjs 0.13.0 exactly (see nsqjs-internals.ts
 * and its spec). Everything else in the transport uses what is exported here.
 */
export { MAX_FRAME_BYTES, toNsqjsConnectionConfig, toNsqjsReaderConfig, type NsqjsConnectionConfig, type NsqjsReaderConfig } from './nsqjs-config.js';
export { NSQJS_FRAME_BODY_START, nsqjsMessageFrame, nsqjsMessageTimeoutMs } from './nsqjs-message.js';
export { NsqjsPublisher } from './nsqjs-publisher.js';
export { NsqjsSubscriber, type NsqjsSubscriberHooks } from './nsqjs-subscriber.js';
