/** Splits a validated `host:port` (IPv6 hosts in brackets) into what nsqjs's connect calls take. */
export function splitAddress(address: string): [host: string, port: number] {
  const at = address.lastIndexOf(':');
  return [address.slice(0, at).replace(/^\[|\]$/g, ''), Number(address.slice(at + 1))];
}
