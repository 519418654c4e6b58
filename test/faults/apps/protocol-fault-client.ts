/**
 * A ClientNsq (producer) or a Nest microservice on ServerNsq (consumer),
 * pointed at a fake nsqd that breaks the protocol, as a child process: if the
 * transport lets a bad frame throw out of a socket handler, this process dies,
 * and the parent sees the exit code. It takes commands as JSON lines on stdin
 * and reports what happens as `PROBE {json}` lines on stdout.
 */
import 'reflect-metadata';
import { Controller, Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { INestMicroservice } from '@nestjs/common';
import { EventEmitter } from 'node:events';
import { createInterface } from 'node:readline';
import { lastValueFrom } from 'rxjs';
import {
  ClientNsq,
  NsqEventPattern,
  NsqEventType,
  NsqProtocolError,
  NsqTransportError,
  ServerNsq,
} from '../../../libs/nsq-transport/src/index.js';
import { readConfig } from './fault-record.js';
import { PROBE_PREFIX, type ProbeEvent, type ConsumerConfig, type ProducerConfig, type ProtocolFaultClientConfig, type ProtocolFaultCommand } from './protocol-fault-messages.js';


const config = readConfig<ProtocolFaultClientConfig>();
/** stdin commands as events ('emit', 'stop'); EOF (the parent went away) means stop. */
const commands = new EventEmitter();

function probe(event: ProbeEvent): void {
  process.stdout.write(`${PROBE_PREFIX}${JSON.stringify(event)}\n`);
}

// Observes a crash without preventing it: the exit code stays the parent's evidence.
process.on('uncaughtExceptionMonitor', (error, origin) => {
  const e = error instanceof Error ? error : new Error(String(error));
  probe({ event: 'crash', origin, name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}) });
});
process.on('warning', (warning) => probe({ event: 'warning', name: warning.name, message: warning.message }));
if (config.logs === false) Logger.overrideLogger(false);

function onError(error: Error, info?: { address?: string }): void {
  const address = error instanceof NsqProtocolError ? error.address : info?.address;
  probe({
    event: 'error',
    name: error.name,
    message: error.message,
    protocol: error instanceof NsqProtocolError,
    typed: error instanceof NsqTransportError,
    ...(address ? { address } : {}),
  });
}

/** The producer side: one ClientNsq, emits on command or on a timer. */
async function runProducer(config: ProducerConfig): Promise<() => Promise<void>> {
  const client = new ClientNsq(config.client);
  client.on(NsqEventType.ERROR, onError);
  client.on(NsqEventType.CONNECTED, ({ address }) => probe({ event: 'connected', address }));
  client.on(NsqEventType.DISCONNECTED, ({ address }) => probe({ event: 'disconnected', address }));
  const topic = config.topics[0]!;
  const outstanding = new Set<Promise<void>>();
  let emitted = 0;
  let settled = 0;
  const emit = (id: string) => {
    emitted++;
    const outcome = lastValueFrom(client.emit(topic, { id }), { defaultValue: undefined }).then(
      () => probe({ event: 'emitted', id, ok: true }),
      (error: unknown) => {
        const e = error instanceof Error ? error : new Error(String(error));
        const reason = (error as { reason?: unknown }).reason;
        probe({ event: 'emitted', id, ok: false, name: e.name, message: e.message, typed: error instanceof NsqTransportError, ...(typeof reason === 'string' ? { reason } : {}) });
      },
    );
    outstanding.add(outcome);
    void outcome.finally(() => {
      settled++;
      outstanding.delete(outcome);
    });
  };
  // connect() rejects after connectTimeoutMs while nsqd misbehaves; the client keeps retrying regardless.
  client.connect().catch((error: unknown) => onError(error instanceof Error ? error : new Error(String(error))));
  let loop: NodeJS.Timeout | undefined;
  if (config.emitLoop) {
    const { outstanding: most, intervalMs } = config.emitLoop;
    loop = setInterval(() => {
      if (outstanding.size < most) emit(`loop-${emitted}`);
    }, intervalMs);
  }
  commands.on('emit', (id: string) => emit(id));
  return async () => {
    clearInterval(loop);
    await client.close();
    // close() fails what it could not send; every emit must have an outcome now.
    await Promise.allSettled([...outstanding]);
    probe({ event: 'stopped', emitted, settled });
  };
}

/** The consumer side: a Nest microservice with one handler per topic. */
async function runConsumer(config: ConsumerConfig): Promise<() => Promise<void>> {
  class ProbeController {}
  config.topics.forEach((topic, i) => {
    const key = `handle${i}`;
    // Nest calls event handlers with the payload (a Buffer with the raw codec) first.
    const handler = (data: unknown) => probe({ event: 'handled', topic, bytes: Buffer.isBuffer(data) ? data.length : -1 });
    Object.defineProperty(ProbeController.prototype, key, { value: handler, writable: true, configurable: true });
    NsqEventPattern(topic)(ProbeController.prototype, key, Object.getOwnPropertyDescriptor(ProbeController.prototype, key)!);
  });
  Controller()(ProbeController);
  @Module({ controllers: [ProbeController] })
  class ProbeModule {}

  const server = new ServerNsq(config.server);
  server.on(NsqEventType.ERROR, onError);
  server.on(NsqEventType.CONNECTED, ({ address }) => probe({ event: 'connected', address }));
  server.on(NsqEventType.DISCONNECTED, ({ address }) => probe({ event: 'disconnected', address }));
  const app: INestMicroservice = await NestFactory.createMicroservice(ProbeModule, {
    strategy: server,
    logger: config.logs === false ? false : ['error', 'warn', 'log'],
  });
  // Not awaited: while nsqd misbehaves the subscription may take long, and commands must still be read.
  app.listen().then(
    () => probe({ event: 'listening' }),
    (error: unknown) => {
      const e = error instanceof Error ? error : new Error(String(error));
      probe({ event: 'listen-failed', name: e.name, message: e.message });
    },
  );
  return async () => {
    await app.close();
    probe({ event: 'stopped', emitted: 0, settled: 0 });
  };
}

const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const command = JSON.parse(line) as ProtocolFaultCommand;
  if (command.cmd === 'emit') commands.emit('emit', command.id);
  else commands.emit('stop');
});
lines.on('close', () => commands.emit('stop'));

const stop = config.role === 'producer' ? await runProducer(config) : await runConsumer(config);
probe({ event: 'started', pid: process.pid });
commands.once('stop', () => {
  void stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`stop failed: ${String(error)}\n`);
      process.exit(3);
    },
  );
});
