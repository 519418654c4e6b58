// `fatal` makes invalid UTF-8 an error instead of silently becoming U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes strict UTF-8; throws a TypeError on invalid sequences. */
export function decodeUtf8(body: Uint8Array): string {
  return decoder.decode(body);
}
