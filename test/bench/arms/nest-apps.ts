import 'reflect-metadata';
import { Controller, Inject, Module, type DynamicModule, type INestApplicationContext, type INestMicroservice, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientsModule, Payload, type ClientProxy, type CustomTransportStrategy, type Transport } from '@nestjs/microservices';
import type { BenchPayload } from '../bench-payloads.js';

/** Injection token of the benchmark's ClientProxy. */
export const BENCH_CLIENT = 'BENCH_CLIENT';

/**
 * A minimal Nest application context whose only provider is a ClientProxy
 * registered through ClientsModule, as an application registers it.
 */
export async function startPublisherApp(customClass: Type<unknown>, options: unknown): Promise<{ app: INestApplicationContext; client: ClientProxy }> {
  return startClientApp({ customClass, options });
}

/**
 * The same with any `ClientsModule.register` entry (without its name), e.g.
 * `{ transport: Transport.NATS, options: { servers } }` for Nest's own transports.
 */
export async function startClientApp(registration: Record<string, unknown>): Promise<{ app: INestApplicationContext; client: ClientProxy }> {
  const clients: DynamicModule = ClientsModule.register([{ name: BENCH_CLIENT, ...registration } as never]);
  @Module({ imports: [clients] })
  class PublisherModule {
    constructor(@Inject(BENCH_CLIENT) readonly client: ClientProxy) {}
  }
  const app = await NestFactory.createApplicationContext(PublisherModule, { logger: false });
  const client = app.get<ClientProxy>(BENCH_CLIENT);
  await client.connect();
  return { app, client };
}

/**
 * A minimal Nest microservice with one controller method decorated by
 * `decorate` (the transport's pattern decorator) and `@Payload()`, returning
 * what `onMessage` returns.
 */
export async function startConsumerApp(
  strategy: CustomTransportStrategy | { readonly transport: Transport; readonly options: unknown },
  decorate: MethodDecorator,
  onMessage: (payload: BenchPayload) => void | Promise<void>,
): Promise<INestMicroservice> {
  @Controller()
  class BenchController {
    handle(payload: BenchPayload): void | Promise<void> {
      return onMessage(payload);
    }
  }
  const descriptor = Object.getOwnPropertyDescriptor(BenchController.prototype, 'handle')!;
  decorate(BenchController.prototype, 'handle', descriptor);
  Payload()(BenchController.prototype, 'handle', 0);
  Reflect.defineMetadata('design:paramtypes', [Object], BenchController.prototype, 'handle');
  @Module({ controllers: [BenchController] })
  class ConsumerModule {}
  const app = await NestFactory.createMicroservice(ConsumerModule, 'transport' in strategy ? ({ ...strategy, logger: false } as never) : { strategy, logger: false });
  await app.listen();
  return app;
}
