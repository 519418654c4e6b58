/**
 * What the protocol-fault client app and the test that runs it say to each
 * other: its configuration, the commands it reads (JSON lines on stdin) and
 * the events it reports (`PROBE {json}` lines on stdout, apart from Nest's logs).
 */
import type { ClientNsqOptions, ServerNsqOptions } from '../../../libs/nsq-transport/src/index.js';

interface CommonConfig {
  /** Producer: emits go to the first. Consumer: one handler (one subscription) per topic. */
  readonly topics: readonly string[];
  /** Nest's log lines (errors per connection are many in a fuzz run). @default true */
  readonly logs?: boolean;
}

export interface ProducerConfig extends CommonConfig {
  readonly role: 'producer';
  readonly client: ClientNsqOptions;
  /** Emit on a timer, keeping at most `outstanding` unsettled (load for the fuzz run); absent = emit only when told. */
  readonly emitLoop?: { readonly outstanding: number; readonly intervalMs: number };
}

export interface ConsumerConfig extends CommonConfig {
  readonly role: 'consumer';
  readonly server: ServerNsqOptions;
}

export type ProtocolFaultClientConfig = ProducerConfig | ConsumerConfig;

/** Commands, one JSON object per stdin line. */
export type ProtocolFaultCommand = { readonly cmd: 'emit'; readonly id: string } | { readonly cmd: 'stop' };

/** What the app reports, one per `PROBE ` line. */
export type ProbeEvent =
  | { readonly event: 'started'; readonly pid: number }
  | { readonly event: 'connected' | 'disconnected'; readonly address: string }
  | { readonly event: 'error'; readonly name: string; readonly message: string; readonly protocol: boolean; readonly typed: boolean; readonly address?: string }
  | {
      readonly event: 'emitted';
      readonly id: string;
      readonly ok: boolean;
      readonly name?: string;
      readonly message?: string;
      readonly typed?: boolean;
      /** The error's `reason` field, when it has one (NsqUnconfirmedError: timeout or connection-lost). */
      readonly reason?: string;
    }
  | { readonly event: 'handled'; readonly topic: string; readonly bytes: number }
  | { readonly event: 'listening' }
  | { readonly event: 'listen-failed'; readonly name: string; readonly message: string }
  | { readonly event: 'crash'; readonly origin: string; readonly name: string; readonly message: string; readonly stack?: string }
  | { readonly event: 'warning'; readonly name: string; readonly message: string }
  | { readonly event: 'stopped'; readonly emitted: number; readonly settled: number };

export const PROBE_PREFIX = 'PROBE ';
