/** Identifies this transport in hybrid apps: `@EventPattern('t', NSQ_TRANSPORT)`. */
export const NSQ_TRANSPORT: unique symbol = Symbol('NSQ_TRANSPORT');

/** nsqd's own limits (v1.3 defaults); used as our defaults and validation bounds. */
export const NSQD_LIMITS = {
  /** `--max-msg-size` default. */
  maxMessageSize: 1024 * 1024,
  /** `--max-body-size` default (one MPUB). */
  maxBodySize: 5 * 1024 * 1024,
  /** `--max-req-timeout` default: bound of REQ and DPUB delays. */
  maxRequeueDelayMs: 60 * 60 * 1000,
  /** `--max-rdy-count` default. */
  maxRdyCount: 2500,
  /** `--max-msg-timeout` default. */
  maxMsgTimeoutMs: 15 * 60 * 1000,
} as const;
