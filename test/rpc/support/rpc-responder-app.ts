import 'reflect-metadata';
import { Controller, Module, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { from, interval, map, take } from 'rxjs';
import { NsqContext, NsqMessagePattern, ServerNsq, type ServerNsqOptions } from 'nestjs-transport-nsq';

/** Topics the responder answers on, one per kind of answer. */
export const RPC_TOPICS = {
  value: 'rpc.value',
  promise: 'rpc.promise',
  stream: 'rpc.stream',
  rpcException: 'rpc.rpc-exception',
  plainError: 'rpc.plain-error',
  gated: 'rpc.gated',
  echo: 'rpc.echo',
} as const;

/** A handler that waits until the test lets it answer. */
export class Gate {
  readonly arrived: unknown[] = [];
  private waiting: Array<() => void> = [];

  wait(payload: unknown): Promise<void> {
    this.arrived.push(payload);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  open(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }
}

export interface RpcResponder {
  readonly app: INestMicroservice;
  readonly server: ServerNsq;
  readonly gate: Gate;
  close(): Promise<void>;
}

/** A Nest microservice answering requests on {@link RPC_TOPICS}, as an application would write it. */
export async function startRpcResponder(options: ServerNsqOptions): Promise<RpcResponder> {
  const gate = new Gate();

  @Controller()
  class RpcController {
    @MessagePattern(RPC_TOPICS.value, { channel: 'responder' })
    value(@Payload() data: { n: number }) {
      return { doubled: data.n * 2 };
    }

    @NsqMessagePattern(RPC_TOPICS.promise, { channel: 'responder' })
    async promise(@Payload() data: { n: number }, @Ctx() ctx: NsqContext) {
      await new Promise((resolve) => setImmediate(resolve));
      return { n: data.n, topic: ctx.getTopic() };
    }

    @NsqMessagePattern(RPC_TOPICS.stream, { channel: 'responder' })
    stream(@Payload() data: { count: number }) {
      return interval(1).pipe(
        take(data.count),
        map((i) => ({ i })),
      );
    }

    @NsqMessagePattern(RPC_TOPICS.rpcException, { channel: 'responder' })
    rpcException() {
      throw new RpcException({ status: 'error', message: 'quote refused', code: 'E_QUOTE' });
    }

    @NsqMessagePattern(RPC_TOPICS.plainError, { channel: 'responder' })
    plainError(): Promise<never> {
      return Promise.reject(new Error('database exploded'));
    }

    @NsqMessagePattern(RPC_TOPICS.gated, { channel: 'responder' })
    async gated(@Payload() data: unknown) {
      await gate.wait(data);
      return { answered: data };
    }

    @NsqMessagePattern(RPC_TOPICS.echo, { channel: 'responder', maxInFlight: 200 })
    echo(@Payload() data: unknown) {
      return from([data]);
    }
  }

  @Module({ controllers: [RpcController] })
  class RpcModule {}

  const server = new ServerNsq(options);
  const app = await NestFactory.createMicroservice(RpcModule, { strategy: server, logger: false });
  await app.listen();
  let closed: Promise<void> | undefined;
  return { app, server, gate, close: () => (closed ??= app.close()) };
}
