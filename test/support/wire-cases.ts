/** The wire compressions nsqd negotiates (`snappy` needs the optional `snappystream` package). */
export const COMPRESSIONS = ['none', 'deflate', 'snappy'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** Wire settings a test runs under: compression negotiated with nsqd, with or without TLS. */
export interface WireCase {
  readonly compression: Compression;
  readonly tls: boolean;
  /** `deflate + TLS` */
  readonly label: string;
  /** `deflate.tls`: a valid piece of an NSQ topic name. */
  readonly tag: string;
}

const wireCase = (compression: Compression, tls: boolean): WireCase => ({
  compression,
  tls,
  label: `${compression}${tls ? ' + TLS' : ''}`,
  tag: `${compression}.${tls ? 'tls' : 'plain'}`,
});

/** Every compression, in plain text and over TLS. */
export const WIRE_CASES: readonly WireCase[] = [false, true].flatMap((tls) => COMPRESSIONS.map((compression) => wireCase(compression, tls)));
