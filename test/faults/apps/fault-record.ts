import { closeSync, openSync, writeSync } from 'node:fs';

/**
 * Append-only ledger of one fault-test process. Each line is written with a
 * synchronous write(2) before the step it records completes (a handler's
 * result, an emit's outcome), so a SIGKILL can lose the step but never the
 * record of a step that happened: the kernel keeps what was written.
 */
export class FaultRecord {
  private readonly fd: number;

  constructor(path: string) {
    this.fd = openSync(path, 'a');
  }

  line(...fields: Array<string | number>): void {
    writeSync(this.fd, `${fields.join(' ')}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Listener count of an EventEmitter-like value (0 for anything else). */
export function listenerTotal(value: unknown): number {
  const emitter = value as { eventNames?: () => Array<string | symbol>; listenerCount?: (event: string | symbol) => number } | null;
  if (!emitter || typeof emitter.eventNames !== 'function' || typeof emitter.listenerCount !== 'function') return 0;
  return emitter.eventNames().reduce((sum, event) => sum + emitter.listenerCount!(event), 0);
}

/** Heap after a full GC when the process runs with --expose-gc. */
export function settledHeap(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed;
}

export function readConfig<T>(): T {
  const raw = process.env.FAULT_CONFIG;
  if (!raw) throw new Error('FAULT_CONFIG is not set');
  return JSON.parse(raw) as T;
}

/**
 * Active libuv resources split into timers and the rest (sockets, files, ...):
 * in-flight handlers legitimately hold timers, so the two are judged apart.
 */
export function activeResources(): { handles: number; timers: number } {
  const all = process.getActiveResourcesInfo();
  const timers = all.filter((kind) => kind === 'Timeout' || kind === 'Immediate').length;
  return { handles: all.length - timers, timers };
}

/** An error's name and `code` (ECONNREFUSED, Z_BUF_ERROR, ...) as two ledger fields; code `-` when it has none. */
export function errorFields(error: Error): [string, string] {
  const code = (error as { code?: unknown }).code;
  const field = (text: string) => text.replace(/\s+/g, '_') || '-';
  return [field(error.name), typeof code === 'string' ? field(code) : '-'];
}
