import { InvalidNsqOptionError } from '../errors/invalid-nsq-option.error.js';
import { isValidNsqName } from '../nsq/nsq-names.js';

// Small checkers shared by the server and client option resolvers. Each
// returns the value when valid and throws InvalidNsqOptionError otherwise.

export function integerIn(option: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new InvalidNsqOptionError(option, `an integer ${range}`, value);
  }
  return value;
}

export function boolean(option: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidNsqOptionError(option, 'a boolean', value);
  return value;
}

export function nonEmptyString(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidNsqOptionError(option, 'a non-empty string', value);
  }
  return value;
}

export function oneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidNsqOptionError(option, `one of ${allowed.map((a) => `"${a}"`).join(', ')}`, value);
  }
  return value as T;
}

export function nsqName(option: string, value: unknown): string {
  if (!isValidNsqName(value)) {
    throw new InvalidNsqOptionError(option, 'an NSQ name: 1..64 characters of [.a-zA-Z0-9_-], optionally ending in "#ephemeral"', value);
  }
  return value;
}

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[a-zA-Z0-9.-]+):(\d{1,5})$/;

/** `host:port` (IPv6 in brackets), port 1..65535. */
export function hostPort(option: string, value: unknown): string {
  const match = typeof value === 'string' ? HOST_PORT.exec(value) : null;
  if (!match || Number(match[2]) < 1 || Number(match[2]) > 65535) {
    throw new InvalidNsqOptionError(option, 'an address "host:port"', redactCredentials(value));
  }
  return value as string;
}

/** A secret: a non-empty string, never echoed in the error (whatever its type). */
export function secret(option: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidNsqOptionError(option, 'a non-empty string', typeof value === 'string' ? '(empty)' : '(secret hidden)');
  }
  return value;
}

/** `user:password@` in an address, replaced before the address can reach an error or a log line. */
export function redactCredentials(value: unknown): unknown {
  return typeof value === 'string' ? value.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^/@]*@/i, '$1(credentials hidden)@') : value;
}

/** `host:port` or an `http(s)://host:port` URL, as nsqlookupd addresses are given. */
export function httpAddress(option: string, value: unknown): string {
  if (typeof value === 'string' && value.includes('@')) {
    // nsqjs and the transport log lookupd addresses: credentials in them would leak.
    throw new InvalidNsqOptionError(option, 'an address without credentials (nsqlookupd has no authentication; put it behind a network boundary)', redactCredentials(value));
  }
  if (typeof value === 'string' && /^https?:\/\//.test(value)) {
    try {
      const url = new URL(value);
      if (url.host) return value.replace(/\/+$/, '');
    } catch {
      // fall through to the error below
    }
    throw new InvalidNsqOptionError(option, 'an address "host:port" or "http://host:port"', value);
  }
  return hostPort(option, value);
}

export function list<T>(option: string, value: unknown, item: (option: string, value: unknown) => T): T[] {
  if (!Array.isArray(value)) throw new InvalidNsqOptionError(option, 'an array', value);
  return value.map((v, i) => item(`${option}[${i}]`, v));
}

export function objectOrUndefined(option: string, value: unknown): Record<string, unknown> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidNsqOptionError(option, 'an options object', value);
  return value as Record<string, unknown>;
}

export function hasMethod(option: string, value: unknown, method: string): void {
  if (value === null || typeof value !== 'object' || typeof (value as Record<string, unknown>)[method] !== 'function') {
    throw new InvalidNsqOptionError(option, `an object with a ${method}() method`, value);
  }
}
