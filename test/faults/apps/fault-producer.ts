/**
 * A real Nest application publishing through ClientNsq (registered with
 * ClientsModule, closed by Nest at shutdown), as a child process. It emits
 * `{ id, seq }` at a steady rate and records each emit (E) and its outcome:
 * O (nsqd acknowledged), F failed (refused before anything was written) or
 * U unknown (timed out / connection lost: nsqd may or may not have it).
 * Connection events go to the ledger too (N up|down, X error), so a test can
 * count reconnects and tell a reported error from a crash.
 */
import 'reflect-metadata';
import { Inject, Injectable, Module, type BeforeApplicationShutdown } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import {
  ClientNsq,
  type ClientNsqOptions,
  InvalidNsqMessageError,
  InvalidNsqNameError,
  NsqEventType,
  NsqPublishError,
  NsqUnavailableError,
} from '../../../libs/nsq-transport/src/index.js';
import { activeResources, errorFields, FaultRecord, listenerTotal, readConfig, settledHeap } from './fault-record.js';

export interface FaultProducerConfig {
  readonly topic: string;
  readonly ledger: string;
  readonly client: ClientNsqOptions;
  /** Emits per second. */
  readonly rate: number;
  /** Stop (and exit 0) after this many emits; 0 = until SIGTERM. */
  readonly count: number;
  /** Prefix of the application ids, unique per producer run. */
  readonly runTag: string;
  readonly metricsIntervalMs?: number;
  /**
   * Connect, then emit nothing until SIGUSR2: an idle client (connected,
   * nothing flowing) while a fault test breaks its connection.
   */
  readonly holdUntilSignal?: boolean;
}

const config = readConfig<FaultProducerConfig>();
const record = new FaultRecord(config.ledger);
const TICK_MS = 10;

/** Nothing reached nsqd, or nsqd refused it: the message certainly is not stored (NsqUnconfirmedError is the "maybe"). */
const isDefiniteFailure = (error: unknown) =>
  error instanceof NsqUnavailableError || error instanceof NsqPublishError || error instanceof InvalidNsqMessageError || error instanceof InvalidNsqNameError;

@Injectable()
class EmitLoop implements BeforeApplicationShutdown {
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly outstanding = new Set<Promise<void>>();
  private finished!: () => void;
  readonly done = new Promise<void>((resolve) => (this.finished = resolve));

  constructor(@Inject('NSQ') private readonly client: ClientNsq) {}

  get outstandingCount(): number {
    return this.outstanding.size;
  }

  start(): void {
    const started = Date.now();
    this.timer = setInterval(() => {
      // Catch up to the rate by wall clock: a slow tick does not lower it.
      const due = Math.floor(((Date.now() - started) * config.rate) / 1000);
      while (this.seq < due && (config.count === 0 || this.seq < config.count)) this.emitOne(this.seq++);
      if (config.count > 0 && this.seq >= config.count) void this.stop().then(() => this.finished());
    }, TICK_MS);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.outstanding.size > 0) await Promise.allSettled([...this.outstanding]);
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.stop();
  }

  private emitOne(seq: number): void {
    const id = `${config.runTag}-${seq}`;
    record.line('E', id, Date.now());
    const outcome = lastValueFrom(this.client.emit(config.topic, { id, seq }), { defaultValue: undefined }).then(
      () => record.line('O', id, Date.now()),
      (error: unknown) => record.line(isDefiniteFailure(error) ? 'F' : 'U', id, Date.now(), error instanceof Error ? error.name : 'Error'),
    );
    this.outstanding.add(outcome);
    void outcome.finally(() => this.outstanding.delete(outcome));
  }
}

@Module({
  imports: [ClientsModule.registerAsync([{ name: 'NSQ', useFactory: () => ({ customClass: ClientNsq, options: config.client }) }])],
  providers: [EmitLoop],
})
class FaultProducerModule {}

const app = await NestFactory.createApplicationContext(FaultProducerModule, { logger: ['error', 'warn', 'log'] });
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
const client = app.get<ClientNsq>('NSQ');
recordConnectionEvents(client);
await client.connect();
const loop = app.get(EmitLoop);

let metricsTimer: NodeJS.Timeout | undefined;
if (config.metricsIntervalMs) {
  const timer = setInterval(() => {
    const writers = client.unwrap<unknown[]>();
    const listeners = writers.reduce<number>((sum, writer) => sum + listenerTotal(writer) + listenerTotal((writer as { conn?: unknown }).conn), 0) + listenerTotal(process);
    const { handles, timers } = activeResources();
    record.line('M', Date.now(), settledHeap(), handles, listeners, timers, loop.outstandingCount);
  }, config.metricsIntervalMs);
  timer.unref();
  // Sampling stops when shutdown begins: a graceful close holds a listener or two while it waits for
  // nsqd to close its side, which a sample taken then would count as growth.
  process.once('SIGTERM', () => clearInterval(timer));
  metricsTimer = timer;
}
record.line('R', process.pid, Date.now());
process.stdout.write('FAULT-APP-READY\n');
if (config.holdUntilSignal) {
  // Nothing else holds the event loop while the client waits for nsqd (its reconnect timers are
  // unref'd, as a library's should be): without this the idle app would just end during an outage.
  const holding = setInterval(() => undefined, 60_000);
  process.once('SIGUSR2', () => {
    clearInterval(holding);
    loop.start();
  });
} else {
  loop.start();
}
await loop.done;
record.line('Z', Date.now());
clearInterval(metricsTimer);
await app.close();
process.exit(0);

/** N up|down <address> <at> per nsqd connection change, X <error name> <code> <at> per reported error. */
function recordConnectionEvents(nsq: ClientNsq): void {
  nsq.on(NsqEventType.CONNECTED, ({ address }) => record.line('N', 'up', address, Date.now()));
  nsq.on(NsqEventType.DISCONNECTED, ({ address }) => record.line('N', 'down', address, Date.now()));
  nsq.on(NsqEventType.ERROR, (error) => record.line('X', ...errorFields(error), Date.now()));
}
