export { encodeNsqEnvelope, isNsqEnvelope, NSQ_ENVELOPE_VERSION, openNsqBody, type NsqOpenedBody } from './nsq-envelope.js';
export { isValidNsqHeaderName, NSQ_HEADER, NSQ_HEADER_LIMITS, type NsqHeaders } from './nsq-headers.js';
