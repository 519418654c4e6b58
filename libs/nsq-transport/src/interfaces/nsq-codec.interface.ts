import type { Deserializer, Serializer } from '@nestjs/microservices';

/** What a producer-side serializer may return: the exact bytes of an NSQ message body. */
export type NsqBody = Buffer | Uint8Array | string;

/** Turns one payload into an NSQ message body (no Nest envelope: the body is the payload alone). */
export type NsqSerializer = Serializer<unknown, NsqBody>;

/** Where an incoming body came from; passed as `options` to the deserializer. */
export interface NsqDeserializeOptions {
  readonly topic: string;
  readonly channel: string;
}

/** Turns an NSQ message body back into the payload handed to `@Payload()`. Throwing marks it poison. */
export type NsqDeserializer = Deserializer<Buffer, unknown>;

/**
 * Built-in body formats: `json` (default), `json-bigint` (JSON whose integers beyond ±(2^53−1) are
 * `bigint`, exact both ways), `text` (UTF-8 string) or `raw` (Buffer as is).
 */
export type NsqCodecName = 'json' | 'json-bigint' | 'text' | 'raw';
