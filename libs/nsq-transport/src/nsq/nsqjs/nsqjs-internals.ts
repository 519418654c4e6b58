import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { packageRequire } from '../../platform/package-require.js';

/**
 * The one nsqjs version whose undeclared internals this folder is written
 * against. `package.json` pins it exactly; `assertNsqjsShape()` and its spec
 * fail loudly when the installed copy differs.
 */
export const NSQJS_VERSION = '0.13.0';

type StateHandler = (data?: unknown) => unknown;
export type NsqjsStates = Record<string, Record<string, StateHandler>>;

/** nsqjs's per-connection state machine (node-state): `states` is per instance, looked up on every goto. */
export interface NsqjsStateMachine {
  states: NsqjsStates;
  readonly current_state_name: string;
  identifyResponse: Record<string, unknown> | null;
  goto(state: string, data?: unknown): unknown;
  raise(event: string, data?: unknown): unknown;
  afterIdentify(): string;
}

/** nsqjs 0.13's NSQDConnection / WriterNSQDConnection, as far as the guard touches it. */
export interface NsqjsConnection {
  readonly nsqdHost: string;
  readonly nsqdPort: number;
  readonly topic: string | null;
  readonly channel: string | null;
  conn: Socket | null;
  outWriter: Duplex | Socket | null;
  inflater?: Duplex;
  deflater?: Duplex;
  onDataFn: ((data: Buffer) => void) | null;
  lastReceivedTimestamp: number | null;
  lastMessageTimestamp: number | null;
  maxRdyCount: number;
  msgTimeout: number;
  maxMsgTimeout: number;
  messageCallbacks: Array<(error?: Error | null) => void>;
  readonly config: { readonly tlsVerification: boolean; readonly requeueDelay?: number };
  readonly statemachine: NsqjsStateMachine;
  receiveData(data: Buffer): void;
  createMessage(payload: Buffer): unknown;
  registerStreamListeners(socket: Socket): void;
  startTLS(callback?: () => void): void;
  startCompression(inflater: Duplex, deflater: Duplex): void;
  write(data: Buffer | string): void;
  setRdy(count: number): void;
  close(): void;
  destroy(): void;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  once(event: string, listener: (...args: unknown[]) => void): unknown;
  emit(event: string, ...args: unknown[]): boolean;
}

/** The states whose handlers the guard replaces; each must exist on every connection. */
export const GUARDED_STATES = ['IDENTIFY_RESPONSE', 'IDENTIFY_COMPRESSION_CHECK', 'AUTH', 'AUTH_RESPONSE', 'CLOSED', 'ERROR'] as const;

/** The connection methods the guard replaces or calls. */
export const GUARDED_METHODS = ['receiveData', 'createMessage', 'registerStreamListeners', 'startTLS', 'startCompression', 'write', 'close', 'destroy', 'setRdy'] as const;

/** Thrown when the installed nsqjs is not the one this folder was written against. */
export class NsqjsShapeError extends Error {
  override readonly name = 'NsqjsShapeError';
}

let checked = false;

/**
 * Checks, once per process, that the installed nsqjs is 0.13.0 and has the
 * methods and states the guard replaces. Called before the first connection:
 * a changed nsqjs must fail at start, not corrupt a connection at run time.
 */
export function assertNsqjsShape(connection?: unknown): void {
  if (!checked) {
    const version = (packageRequire('nsqjs/package.json') as { version: string }).version;
    if (version !== NSQJS_VERSION) {
      throw new NsqjsShapeError(`nsqjs ${version} is installed; this transport's connection guard is written for nsqjs ${NSQJS_VERSION} exactly (pin it)`);
    }
    checked = true;
  }
  if (connection === undefined) return;
  const conn = connection as Partial<NsqjsConnection>;
  const missingMethods = GUARDED_METHODS.filter((name) => typeof conn[name] !== 'function');
  const states = conn.statemachine?.states;
  const missingStates = GUARDED_STATES.filter((name) => states?.[name] === undefined);
  if (missingMethods.length > 0 || missingStates.length > 0 || typeof conn.statemachine?.goto !== 'function') {
    throw new NsqjsShapeError(`nsqjs connection internals changed (missing: ${[...missingMethods, ...missingStates].join(', ') || 'statemachine.goto'}); refusing to connect without the connection guard`);
  }
}
