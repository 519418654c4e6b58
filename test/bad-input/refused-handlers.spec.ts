import 'reflect-metadata';
import { Controller, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern, MessagePattern } from '@nestjs/microservices';
import { InvalidNsqOptionError, NsqHandlerConfigError, ServerNsq, type ServerNsqOptions } from 'nestjs-transport-nsq';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { recordBadInputs } from './bad-input-tally.js';

/** A controller with one handler registered exactly as an application would. */
function controllerWith(register: (target: object, method: string, descriptor: PropertyDescriptor) => void): Type<unknown> {
  @Controller()
  class BadController {
    handle(): void {}
  }
  register(BadController.prototype, 'handle', Object.getOwnPropertyDescriptor(BadController.prototype, 'handle')!);
  return BadController;
}

const BAD_HANDLERS: Array<[string, Type<unknown>]> = [
  ['topic with a space', controllerWith((t, m, d) => EventPattern('bad topic')(t, m, d))],
  ['topic injecting a protocol line', controllerWith((t, m, d) => EventPattern('ok\nSUB x y')(t, m, d))],
  ['topic of 65 characters', controllerWith((t, m, d) => EventPattern('t'.repeat(65))(t, m, d))],
  ['empty topic', controllerWith((t, m, d) => EventPattern('')(t, m, d))],
  ['object pattern', controllerWith((t, m, d) => EventPattern({ cmd: 'orders' })(t, m, d))],
  ['channel with a space', controllerWith((t, m, d) => EventPattern('fine.topic', { channel: 'bad channel' })(t, m, d))],
  ['channel of 65 characters', controllerWith((t, m, d) => EventPattern('fine.topic', { channel: 'c'.repeat(65) })(t, m, d))],
  ['non-string channel', controllerWith((t, m, d) => EventPattern('fine.topic', { channel: 42 })(t, m, d))],
  ['maxInFlight 0 in extras', controllerWith((t, m, d) => EventPattern('fine.topic', { channel: 'c', maxInFlight: 0 })(t, m, d))],
  ['maxInFlight 1.5 in extras', controllerWith((t, m, d) => EventPattern('fine.topic', { channel: 'c', maxInFlight: 1.5 })(t, m, d))],
  ['no channel anywhere', controllerWith((t, m, d) => EventPattern('fine.topic')(t, m, d))],
  ['mistyped extras key (chanel)', controllerWith((t, m, d) => EventPattern('fine.topic', { chanel: 'c' })(t, m, d))],
  ['transportId inside the extras', controllerWith((t, m, d) => EventPattern('fine.topic', { channel: 'c', transportId: Symbol('nsq') })(t, m, d))],
  ['request-response handler without a channel', controllerWith((t, m, d) => MessagePattern('fine.topic')(t, m, d))],
];

describe('bad handler registrations fail listen() with NsqHandlerConfigError and touch nothing on nsqd', () => {
  let cluster: NsqCluster;

  beforeAll(async () => {
    cluster = await startNsqCluster({ nsqds: 1, lookupd: true });
  });
  afterAll(async () => {
    recordBadInputs('handler registrations', BAD_HANDLERS.length + 4);
    await cluster?.close();
  });

  it.each(BAD_HANDLERS)('%s', async (_label, controller) => {
    @Module({ controllers: [controller] })
    class BadModule {}
    // Through nsqlookupd: a bad route must not even create topology on the nsqds it finds.
    const server = new ServerNsq({ lookupdHttpAddresses: [cluster.lookupd!.httpAddress], readyTimeoutMs: 5_000 });
    const app = await NestFactory.createMicroservice(BadModule, { strategy: server, logger: false });
    try {
      const error = await app.listen().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(NsqHandlerConfigError);
      expect((error as Error).message).toMatch(/EventPattern|MessagePattern|request-response|channel|maxInFlight/);
    } finally {
      await app.close();
    }
    const stats = await cluster.nsqds[0]!.stats();
    expect(stats.topics).toEqual([]);
  });

  /** listen()'s error for a module of `controller` on a server with `options`; nothing may be created on nsqd. */
  async function listenError(controller: Type<unknown>, options: Omit<ServerNsqOptions, 'lookupdHttpAddresses'>): Promise<unknown> {
    @Module({ controllers: [controller] })
    class BadModule {}
    const server = new ServerNsq({ lookupdHttpAddresses: [cluster.lookupd!.httpAddress], readyTimeoutMs: 5_000, ...options });
    const app = await NestFactory.createMicroservice(BadModule, { strategy: server, logger: false });
    try {
      return await app.listen().then(
        () => undefined,
        (e: unknown) => e,
      );
    } finally {
      await app.close();
      expect((await cluster.nsqds[0]!.stats()).topics).toEqual([]);
    }
  }

  it('a typo in the extras fails listen() naming the key and the closest valid one, even with a server channel to fall back on', async () => {
    const error = await listenError(
      controllerWith((t, m, d) => EventPattern('typo.topic', { chanel: 'billing' })(t, m, d)),
      { channel: 'default' },
    );
    expect(error).toBeInstanceOf(NsqHandlerConfigError);
    expect((error as Error).message).toContain('"chanel"');
    expect((error as Error).message).toContain('"channel"');
  });

  it("a handler on the server's own dead-letter topic fails listen(): its poison would be republished to itself in a loop", async () => {
    const error = await listenError(
      controllerWith((t, m, d) => EventPattern('loop.dead', { channel: 'inspect' })(t, m, d)),
      { channel: 'default', deadLetterTopic: 'loop.dead' },
    );
    expect(error).toBeInstanceOf(NsqHandlerConfigError);
    expect((error as Error).message).toContain('deadLetterTopic');
  });

  it('a server channel or dead-letter topic nsqd would refuse fails at construction', () => {
    expect(() => new ServerNsq({ nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress], channel: 'bad\nchannel' })).toThrow(InvalidNsqOptionError);
    expect(() => new ServerNsq({ nsqdTcpAddresses: [cluster.nsqds[0]!.tcpAddress], channel: 'c', deadLetterTopic: 'dead letters' })).toThrow(InvalidNsqOptionError);
  });
});
