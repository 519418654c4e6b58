import type { NsqObservabilityOptions } from '../observability/nsq-observability-options.interface.js';
import type { NsqCodecName, NsqDeserializer, NsqSerializer } from '../interfaces/nsq-codec.interface.js';

/** TLS settings for nsqd connections (negotiated in IDENTIFY, as nsqd does). */
export interface NsqTlsOptions {
  /** CA certificate(s) to trust, PEM. @default Node's bundled CAs */
  readonly ca?: string | Buffer | ReadonlyArray<string | Buffer>;
  /** Client certificate, PEM, for `--tls-client-auth-policy=require-verify`. */
  readonly cert?: string | Buffer;
  /** Client private key, PEM. */
  readonly key?: string | Buffer;
  /** Verify nsqd's certificate chain and host name. Turn off only for local experiments. @default true */
  readonly rejectUnauthorized?: boolean;
  /** Name checked against nsqd's certificate. @default the host of the address */
  readonly servername?: string;
}

/** Options shared by {@link ServerNsq} and {@link ClientNsq}. */
export interface NsqConnectionOptions extends NsqObservabilityOptions {
  /** nsqd TCP addresses, `host:port` (default nsqd port 4150). */
  readonly nsqdTcpAddresses?: readonly string[];
  /** Identifies this client in nsqd's `/stats` and nsqadmin. @default the host name */
  readonly clientId?: string;
  /** Heartbeat interval asked of nsqd, ms (nsqd drops a client after two missed). @default 30000 */
  readonly heartbeatIntervalMs?: number;
  /** TLS: `true` with default settings, or detailed settings. Refused by nsqd unless it has TLS. @default false */
  readonly tls?: boolean | NsqTlsOptions;
  /** Secret sent in AUTH when nsqd requires it. Never logged. */
  readonly authSecret?: string;
  /**
   * Allow `authSecret` over a connection without TLS. Off by default so a
   * secret never crosses the network in plain text by accident.
   * @default false
   */
  readonly allowInsecureAuth?: boolean;
  /** Wire compression negotiated with nsqd. `snappy` needs the optional `snappystream` package. @default 'none' */
  readonly compression?: 'none' | 'deflate' | 'snappy';
  /** Deflate level 1..9 when `compression` is `deflate`. @default 6 */
  readonly deflateLevel?: number;
  /**
   * Body format when no serializer/deserializer is given. `json-bigint` keeps integers beyond
   * ±(2^53−1) exact (as `bigint`), for int64 ids from Go services. @default 'json'
   */
  readonly codec?: NsqCodecName;
  /**
   * Message envelope with headers (WIRE.md §2). On a client: every body is an
   * envelope carrying the emit's headers (`NsqRecordBuilder#setHeaders`, a
   * dispatch hook's metadata) next to the codec's bytes. On a server: envelopes
   * are opened (`NsqContext#getHeaders`) and raw bodies are still accepted.
   * Off, bodies are the codec's bytes alone, as Go services and NSQ's tools
   * read and write them. Turn it on for consumers before producers.
   * @default false
   */
  readonly envelope?: boolean;
}

/** The codec options: on the client a serializer, on the server a deserializer. */
export interface NsqSerializerOption {
  /** Encodes a payload into a message body; overrides `codec`. */
  readonly serializer?: NsqSerializer;
}

export interface NsqDeserializerOption {
  /** Decodes a message body into the handler's payload; overrides `codec`. A throw makes the message poison. */
  readonly deserializer?: NsqDeserializer;
}
