/**
 * A Nest microservice answering requests through ServerNsq, as a child
 * process the request-response fault spec can SIGKILL. Its handler announces
 * each request on stdout (`RPC-REQUEST <json>`) and answers only after
 * `holdMs`, so a kill lands while the request is being handled.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Payload } from '@nestjs/microservices';
import { setTimeout as sleep } from 'node:timers/promises';
import { NsqMessagePattern, ServerNsq, type ServerNsqOptions } from '../../../libs/nsq-transport/src/index.js';

export interface RpcResponderConfig {
  readonly topic: string;
  readonly server: ServerNsqOptions;
  readonly holdMs: number;
}

const config = JSON.parse(process.env['RPC_CONFIG'] ?? '{}') as RpcResponderConfig;

@Controller()
class ResponderController {
  @NsqMessagePattern(config.topic, { channel: 'responder' })
  async answer(@Payload() payload: unknown): Promise<unknown> {
    process.stdout.write(`RPC-REQUEST ${JSON.stringify(payload)}\n`);
    await sleep(config.holdMs);
    return { answered: payload };
  }
}

@Module({ controllers: [ResponderController] })
class ResponderModule {}

const app = await NestFactory.createMicroservice(ResponderModule, { strategy: new ServerNsq(config.server), logger: ['error', 'warn'] });
await app.listen();
process.stdout.write('RPC-RESPONDER-READY\n');
