import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import { ClientNsq, type ClientNsqOptions, NsqEventPattern, NsqEventType, type NsqContext, ServerNsq, type ServerNsqOptions } from 'nestjs-transport-nsq';

/** A client that connected, or the errors it saw while failing to. */
export async function tryClient(options: ClientNsqOptions): Promise<{ client: ClientNsq; connected: boolean; errors: Error[] }> {
  const client = new ClientNsq({ connectTimeoutMs: 1_500, publishTimeoutMs: 1_500, ...options });
  const errors: Error[] = [];
  client.on(NsqEventType.ERROR, (error) => errors.push(error));
  const connected = await client.connect().then(
    () => true,
    () => false,
  );
  return { client, connected, errors };
}

export function emitOnce(client: ClientNsq, topic: string, data: unknown): Promise<unknown> {
  return lastValueFrom(client.emit(topic, data), { defaultValue: undefined });
}

export interface SecurityConsumer {
  readonly app: INestMicroservice;
  readonly received: unknown[];
  readonly errors: Error[];
  readonly listening: boolean;
  readonly listenError: unknown;
}

/** A Nest microservice with one handler on `topic`; `listening` false when listen() failed (readyTimeoutMs 1.5 s). */
export async function tryConsumer(topic: string, options: ServerNsqOptions, handle: (payload: unknown) => unknown = () => undefined): Promise<SecurityConsumer> {
  const received: unknown[] = [];
  @Controller()
  class SecurityController {
    @NsqEventPattern(topic, { channel: 'secure' })
    handle(@Payload() payload: unknown, @Ctx() _ctx: NsqContext): unknown {
      received.push(payload);
      return handle(payload);
    }
  }
  @Module({ controllers: [SecurityController] })
  class SecurityModule {}
  const server = new ServerNsq({ readyTimeoutMs: 1_500, ...options });
  const errors: Error[] = [];
  server.on(NsqEventType.ERROR, (error) => errors.push(error));
  const app = await NestFactory.createMicroservice(SecurityModule, { strategy: server });
  let listenError: unknown;
  const listening = await app.listen().then(
    () => true,
    (error: unknown) => {
      listenError = error;
      return false;
    },
  );
  return { app, received, errors, listening, listenError };
}
