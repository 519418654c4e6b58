import { NsqTransportError } from './nsq-transport.error.js';

/** A transport option is missing, of the wrong type, or outside its range. */
export class InvalidNsqOptionError extends NsqTransportError {
  constructor(
    readonly option: string,
    readonly expected: string,
    readonly received: unknown,
  ) {
    super(`Invalid NSQ option "${option}": expected ${expected}, received ${describe(received)}`);
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}
