/**
 * A real Nest microservice consuming one topic through ServerNsq, as a child
 * process the fault tests can SIGKILL / SIGTERM. It records every handler
 * start (S), end (D ok|fail) and the moment the server's close() begins (C)
 * in its ledger; the accounting checker reads the ledgers afterwards.
 * Subscription changes (N up|down) and reported errors (X) are recorded too.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { type NsqContext, NsqEventPattern, NsqEventType, ServerNsq, type ServerNsqOptions } from '../../../libs/nsq-transport/src/index.js';
import { activeResources, errorFields, FaultRecord, listenerTotal, readConfig, settledHeap } from './fault-record.js';

export interface FaultConsumerConfig {
  readonly topic: string;
  readonly ledger: string;
  readonly server: ServerNsqOptions;
  /** Handler time per message, ms. */
  readonly workMs?: number;
  /** Messages whose seq is a multiple of this take `slowMs`. */
  readonly slowEvery?: number;
  readonly slowMs?: number;
  /** Messages whose seq is a multiple of this fail on their first attempt. */
  readonly failEvery?: number;
  /** Write an M line (heap, non-timer handles, listeners, timers) this often; 0 = never. */
  readonly metricsIntervalMs?: number;
}

interface FaultPayload {
  readonly id: string;
  readonly seq: number;
}

const config = readConfig<FaultConsumerConfig>();
const record = new FaultRecord(config.ledger);

class RecordingServerNsq extends ServerNsq {
  private closeRecorded = false;

  override close(): Promise<void> {
    if (!this.closeRecorded) {
      this.closeRecorded = true;
      record.line('C', Date.now());
    }
    return super.close();
  }
}

@Controller()
class FaultConsumerController {
  @NsqEventPattern(config.topic)
  async handle(@Payload() payload: FaultPayload, @Ctx() ctx: NsqContext): Promise<void> {
    record.line('S', payload.id, ctx.getAttempts(), Date.now());
    const slow = config.slowEvery !== undefined && payload.seq % config.slowEvery === 0;
    const work = slow ? (config.slowMs ?? 0) : (config.workMs ?? 0);
    if (work > 0) await sleep(work);
    if (config.failEvery !== undefined && payload.seq % config.failEvery === 0 && ctx.getAttempts() === 1) {
      record.line('D', payload.id, 'fail', Date.now());
      throw new Error(`planned failure of ${payload.id}`);
    }
    record.line('D', payload.id, 'ok', Date.now());
  }
}

@Module({ controllers: [FaultConsumerController] })
class FaultConsumerModule {}

const server = new RecordingServerNsq(config.server);
server.on(NsqEventType.CONNECTED, ({ address }) => record.line('N', 'up', address, Date.now()));
server.on(NsqEventType.DISCONNECTED, ({ address }) => record.line('N', 'down', address, Date.now()));
server.on(NsqEventType.ERROR, (error) => record.line('X', ...errorFields(error), Date.now()));
const app = await NestFactory.createMicroservice(FaultConsumerModule, { strategy: server, logger: ['error', 'warn', 'log'] });
// The shutdown path under test: SIGTERM → app.close() → server.close() (drain) → exit 0.
app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
await app.listen();

if (config.metricsIntervalMs) {
  const timer = setInterval(() => {
    const readers = server.unwrap<unknown[]>();
    // The transport's RDY controller (nsq/nsqjs/nsqjs-rdy-controller.ts) lists the live nsqd connections.
    const connections = readers.flatMap((reader) => (reader as { readerRdy?: { connections?: readonly unknown[] } }).readerRdy?.connections ?? []);
    const listeners = [...readers, ...connections].reduce<number>((sum, emitter) => sum + listenerTotal(emitter), 0) + listenerTotal(process);
    const { handles, timers } = activeResources();
    record.line('M', Date.now(), settledHeap(), handles, listeners, timers);
  }, config.metricsIntervalMs);
  timer.unref();
  // Sampling stops when shutdown begins: a graceful close holds a listener or two while it waits for
  // nsqd to close its side, which a sample taken then would count as growth.
  process.once('SIGTERM', () => clearInterval(timer));
}
record.line('R', process.pid, Date.now());
process.stdout.write('FAULT-APP-READY\n');
