import 'reflect-metadata';
import { BadRequestException, Controller, Module, type INestMicroservice, type PipeTransform, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, Payload } from '@nestjs/microservices';
import { IsInt, IsNotEmpty, IsString } from 'class-validator';
import { NsqEventPattern, NsqEventType, NsqPoisonMessageError, ServerNsq, type NsqContext, type NsqDeadLetterInfo } from 'nestjs-transport-nsq';
import { LogCapture } from '../security/support/log-capture.js';
import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { waitFor } from '../support/wait-for.js';

const CHANNEL = 'worker';
const DLQ = 'poison.dead';
/** Put in every body: no log line may ever contain it. */
const MARKER = 'BODY-MARKER-5d1c9e';

const TOPICS = {
  validated: 'poison.validated',
  thrown: 'poison.thrown',
  pipe: 'poison.pipe',
  undecodable: 'poison.undecodable',
  transient: 'poison.transient',
} as const;

class OrderDto {
  @IsInt()
  amount!: number;

  @IsString()
  @IsNotEmpty()
  customer!: string;
}

/** A pipe that refuses every payload the way application pipes do: with Nest's BadRequestException. */
class RefusingPipe implements PipeTransform {
  transform(): never {
    throw new BadRequestException(['currency must be one of EUR, USD']);
  }
}

const handled: Record<string, number> = {};
const count = (topic: string) => (handled[topic] = (handled[topic] ?? 0) + 1);

@Controller()
class PoisonController {
  @NsqEventPattern(TOPICS.validated, { channel: CHANNEL })
  validated(@Payload() _order: OrderDto): void {
    count(TOPICS.validated);
  }

  @NsqEventPattern(TOPICS.thrown, { channel: CHANNEL })
  thrown(@Payload() _payload: unknown): void {
    count(TOPICS.thrown);
    throw new NsqPoisonMessageError('unknown currency');
  }

  @NsqEventPattern(TOPICS.pipe, { channel: CHANNEL })
  piped(@Payload(RefusingPipe) _payload: unknown): void {
    count(TOPICS.pipe);
  }

  @NsqEventPattern(TOPICS.undecodable, { channel: CHANNEL })
  undecodable(@Payload() _payload: unknown): void {
    count(TOPICS.undecodable);
  }

  @NsqEventPattern(TOPICS.transient, { channel: CHANNEL })
  transient(@Payload() _payload: unknown, @Ctx() ctx: NsqContext): void {
    count(TOPICS.transient);
    if (ctx.getAttempts() === 1) throw new Error('database busy');
  }
}

@Module({ controllers: [PoisonController] })
class PoisonModule {}

/**
 * Poison — a payload no retry can fix — goes to the dead-letter topic at once,
 * on its first attempt, with the reason in the log: a deserializer failure, an
 * NsqPoisonMessageError thrown by a handler, and Nest's BadRequestException
 * from a global ValidationPipe (field errors kept) or any pipe. A transient
 * error is still retried. No log line holds any byte of a body.
 */
describe('poison messages', () => {
  let cluster: NsqCluster;
  let app: INestMicroservice;
  let logs: LogCapture;
  const deadLetters: NsqDeadLetterInfo[] = [];
  const nsqd = () => cluster.nsqds[0]!;

  beforeAll(async () => {
    logs = LogCapture.install();
    cluster = await startNsqCluster({ nsqds: 1, lookupd: false });
    await nsqd().createChannel(DLQ, 'inspect');
    const server = new ServerNsq({ nsqdTcpAddresses: [nsqd().tcpAddress], maxAttempts: 5, requeueDelayMs: 0, deadLetterTopic: DLQ, maxInFlight: 10 });
    server.on(NsqEventType.DEAD_LETTER, (info) => deadLetters.push(info));
    app = await NestFactory.createMicroservice(PoisonModule, { strategy: server });
    app.useGlobalPipes(new ValidationPipe());
    await app.listen();
  });
  afterAll(async () => {
    await app?.close();
    await cluster?.close();
  });

  const deadLetterOf = async (topic: string) => {
    await waitFor(() => deadLetters.some((info) => info.topic === topic), { timeoutMs: 15_000, message: () => `nothing dead-lettered from ${topic}: ${JSON.stringify(deadLetters)}` });
    return deadLetters.find((info) => info.topic === topic)!;
  };
  const requeues = async (topic: string) => (await nsqd().channelStats(topic, CHANNEL))?.requeue_count;

  it("dead-letters a payload a global ValidationPipe refuses, at once, with the field errors in the log", async () => {
    await nsqd().publish(TOPICS.validated, JSON.stringify({ amount: MARKER, customer: '' }));
    const info = await deadLetterOf(TOPICS.validated);
    expect(info).toMatchObject({ reason: 'rejected', attempts: 1, deadLetterTopic: DLQ });
    expect(info.detail).toContain('amount must be an integer number');
    expect(info.detail).toContain('customer should not be empty');
    expect(await requeues(TOPICS.validated)).toBe(0);
    expect(handled[TOPICS.validated]).toBeUndefined();
    expect(logs.lines.some((line) => line.includes(info.id) && line.includes('amount must be an integer number') && line.includes('customer should not be empty'))).toBe(true);
    // A valid payload still goes through the same pipe and handler.
    await nsqd().publish(TOPICS.validated, JSON.stringify({ amount: 3, customer: 'ada' }));
    await waitFor(() => handled[TOPICS.validated] === 1, { timeoutMs: 10_000, message: 'the valid order was not handled' });
  });

  it('dead-letters at once a message whose handler throws NsqPoisonMessageError', async () => {
    await nsqd().publish(TOPICS.thrown, JSON.stringify({ currency: MARKER }));
    const info = await deadLetterOf(TOPICS.thrown);
    expect(info).toMatchObject({ reason: 'rejected', attempts: 1, detail: 'unknown currency' });
    expect(handled[TOPICS.thrown]).toBe(1);
    expect(await requeues(TOPICS.thrown)).toBe(0);
  });

  it("dead-letters at once a message a parameter pipe refuses with BadRequestException", async () => {
    await nsqd().publish(TOPICS.pipe, JSON.stringify({ currency: MARKER }));
    const info = await deadLetterOf(TOPICS.pipe);
    expect(info).toMatchObject({ reason: 'rejected', attempts: 1 });
    expect(info.detail).toContain('currency must be one of EUR, USD');
    expect(handled[TOPICS.pipe]).toBeUndefined();
  });

  it('dead-letters an undecodable body at once and logs why without quoting it', async () => {
    await nsqd().publish(TOPICS.undecodable, `${MARKER} is not JSON`);
    const info = await deadLetterOf(TOPICS.undecodable);
    expect(info).toMatchObject({ reason: 'undecodable', attempts: 1 });
    expect(info.detail).toContain('SyntaxError');
    expect(handled[TOPICS.undecodable]).toBeUndefined();
  });

  it('still retries a transient failure, then finishes it', async () => {
    await nsqd().publish(TOPICS.transient, JSON.stringify({ note: MARKER }));
    await waitFor(() => handled[TOPICS.transient] === 2, { timeoutMs: 10_000, message: 'not retried' });
    await waitFor(async () => (await nsqd().channelStats(TOPICS.transient, CHANNEL))?.in_flight_count === 0, { timeoutMs: 10_000 });
    expect(await requeues(TOPICS.transient)).toBe(1);
    expect(deadLetters.some((info) => info.topic === TOPICS.transient)).toBe(false);
    expect(logs.lines.some((line) => line.includes('database busy'))).toBe(true);
  });

  it('kept every poison body in the dead-letter topic, and no log line holds any byte of them', async () => {
    await waitFor(async () => (await nsqd().channelStats(DLQ, 'inspect'))?.depth === 4, { timeoutMs: 10_000, message: 'dead-letter topic incomplete' });
    expect(logs.text()).not.toContain(MARKER);
    // Nor a slice of one: a parser's error quotes the start of the text it could not read.
    expect(logs.text()).not.toContain(MARKER.slice(0, 8));
  });
});
