/** Connection status of a {@link ServerNsq} or {@link ClientNsq}, published on `status`. */
export enum NsqStatus {
  /** At least one nsqd connection is up (server: every subscription has one). */
  CONNECTED = 'connected',
  /** No nsqd connection is up and none is being retried. */
  DISCONNECTED = 'disconnected',
  /** A connection was lost and is being retried with backoff. */
  RECONNECTING = 'reconnecting',
}

/** Event names emitted through `on()` by both the server and the client. */
export enum NsqEventType {
  /** An nsqd connection was established (and, for the server, subscribed). */
  CONNECTED = 'connected',
  /** An nsqd connection was closed or lost. */
  DISCONNECTED = 'disconnected',
  /** A transport-level error: nsqd `E_*` answers, socket errors, lookupd failures. */
  ERROR = 'error',
  /** Server only: a message was given up on (dead-lettered or dropped after logging). */
  DEAD_LETTER = 'dead-letter',
}

/** Where a connection event happened. */
export interface NsqConnectionInfo {
  /** `host:port` of the nsqd TCP listener. */
  readonly address: string;
  /** Server only: the subscription's topic. */
  readonly topic?: string;
  /** Server only: the subscription's channel. */
  readonly channel?: string;
}

/** Why and where a message was given up on. */
export interface NsqDeadLetterInfo {
  readonly id: string;
  readonly topic: string;
  readonly channel: string;
  readonly attempts: number;
  /**
   * `max-attempts`: failed on its last allowed attempt, or arrived past it;
   * `undecodable`: the deserializer refused the body; `rejected`: poison by
   * `ctx.reject()`, `NsqPoisonMessageError` or a 400/422 `HttpException`
   * (a ValidationPipe's).
   */
  readonly reason: 'max-attempts' | 'undecodable' | 'rejected';
  /** Why, in one line (the last error, the field errors…); never any byte of the body. */
  readonly detail?: string;
  /** Topic the body was copied to, when `deadLetterTopic` is configured. */
  readonly deadLetterTopic?: string;
  /** When it was given up on (ms since the Unix epoch). */
  readonly at: number;
  /** The message's headers (envelope mode; empty for a raw message). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Typed listener map of `on()` (the `EventsMap` of Nest's `Server` and `ClientProxy`). */
export type NsqEvents = {
  [NsqEventType.CONNECTED]: (info: NsqConnectionInfo) => void;
  [NsqEventType.DISCONNECTED]: (info: NsqConnectionInfo) => void;
  [NsqEventType.ERROR]: (error: Error, info?: NsqConnectionInfo) => void;
  [NsqEventType.DEAD_LETTER]: (info: NsqDeadLetterInfo) => void;
};
