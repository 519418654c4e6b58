import 'reflect-metadata';
import { Controller, Module, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientNsq, type ClientNsqOptions, type NsqContext, ServerNsq, type ServerNsqOptions } from 'nestjs-transport-nsq';
import { waitFor } from './wait-for.js';

/** One handler invocation as the handler saw it. */
export interface RecordedDelivery {
  readonly handler: string;
  readonly topic: string;
  readonly channel: string;
  readonly id: string;
  readonly attempts: number;
  readonly payload: unknown;
  readonly body: Buffer;
  /** `ctx.getHeaders()`, copied (envelope mode; empty for a raw message). */
  readonly headers: Record<string, string>;
  /** nsqd's own attempt count of this copy (`ctx.getAttempts()` discounts early deferred deliveries). */
  readonly nsqdAttempts: number;
  /** When the handler ran (ms since the epoch). */
  readonly handledAt: number;
}

/** What a test handler does with a message; its result is what the transport settles on. */
export type HandlerBehavior = (payload: unknown, ctx: NsqContext, call: number) => unknown;

export interface HandlerSpec {
  readonly topic: string;
  readonly channel?: string;
  /** Name used in recordings; defaults to `topic/channel`. */
  readonly name?: string;
  readonly behavior?: HandlerBehavior;
  /** Per-handler maxInFlight, passed in the pattern's extras. */
  readonly maxInFlight?: number;
}

export interface TestConsumer {
  readonly app: INestMicroservice;
  readonly server: ServerNsq;
  readonly deliveries: RecordedDelivery[];
  /** Waits until `count` recorded deliveries match `filter`; returns them. */
  waitForDeliveries(count: number, filter?: (d: RecordedDelivery) => boolean, timeoutMs?: number): Promise<RecordedDelivery[]>;
  close(): Promise<void>;
}

/**
 * Boots a real Nest microservice with ServerNsq and one controller method per
 * spec, each decorated with `@EventPattern(topic, { channel })`, `@Payload()`
 * and `@Ctx()` exactly as an application would.
 */
export async function startConsumer(specs: readonly HandlerSpec[], options: ServerNsqOptions, log = false): Promise<TestConsumer> {
  const deliveries: RecordedDelivery[] = [];
  const controller = buildController(specs, deliveries);
  @Module({ controllers: [controller] })
  class ConsumerModule {}
  const server = new ServerNsq(options);
  const app = await NestFactory.createMicroservice(ConsumerModule, { strategy: server, logger: log ? undefined : false });
  await app.listen();
  let closed: Promise<void> | undefined;
  return {
    app,
    server,
    deliveries,
    async waitForDeliveries(count, filter = () => true, timeoutMs = 15_000) {
      await waitFor(() => deliveries.filter(filter).length >= count, {
        timeoutMs,
        message: () => `expected ${count} deliveries, saw ${deliveries.filter(filter).length}`,
      });
      return deliveries.filter(filter);
    },
    close: () => (closed ??= app.close()),
  };
}

function buildController(specs: readonly HandlerSpec[], deliveries: RecordedDelivery[]): Type<unknown> {
  @Controller()
  class RecordingController {}
  specs.forEach((spec, index) => {
    const name = spec.name ?? `${spec.topic}/${spec.channel ?? '(default)'}`;
    const method = `handle${index}`;
    let calls = 0;
    const handler = function (payload: unknown, ctx: NsqContext) {
      deliveries.push({
        handler: name,
        topic: ctx.getTopic(),
        channel: ctx.getChannel(),
        id: ctx.getMessageId(),
        attempts: ctx.getAttempts(),
        payload,
        body: Buffer.from(ctx.getBody()),
        headers: { ...ctx.getHeaders() },
        nsqdAttempts: ctx.getMessage().attempts,
        handledAt: Date.now(),
      });
      return spec.behavior?.(payload, ctx, ++calls);
    };
    Object.defineProperty(RecordingController.prototype, method, { value: handler, writable: true, configurable: true });
    const descriptor = Object.getOwnPropertyDescriptor(RecordingController.prototype, method)!;
    Reflect.defineMetadata('design:paramtypes', [Object, Object], RecordingController.prototype, method);
    Payload()(RecordingController.prototype, method, 0);
    Ctx()(RecordingController.prototype, method, 1);
    const extras = { ...(spec.channel ? { channel: spec.channel } : {}), ...(spec.maxInFlight ? { maxInFlight: spec.maxInFlight } : {}) };
    EventPattern(spec.topic, extras)(RecordingController.prototype, method, descriptor);
  });
  return RecordingController;
}

/** A connected ClientNsq; `emit` resolves on nsqd's acknowledgement. */
export async function startClient(options: ClientNsqOptions): Promise<ClientNsq> {
  const client = new ClientNsq(options);
  await client.connect();
  return client;
}

/** Emits and waits for nsqd's acknowledgement. */
export function emit(client: ClientNsq, topic: string, data: unknown): Promise<unknown> {
  return lastValueFrom(client.emit(topic, data), { defaultValue: undefined });
}
