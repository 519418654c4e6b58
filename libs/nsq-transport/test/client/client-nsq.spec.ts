import { Logger } from '@nestjs/common';
import { jest } from '@jest/globals';
import { lastValueFrom } from 'rxjs';
import { FakeNsqd } from '../../../../test/support/fake-nsqd.js';
import { freePort } from '../../../../test/support/free-port.js';
import { waitFor } from '../../../../test/support/wait-for.js';
import { ClientNsq } from '../../src/client/client-nsq.js';
import { InvalidNsqNameError } from '../../src/errors/invalid-nsq-name.error.js';
import { NsqUnavailableError } from '../../src/errors/nsq-unavailable.error.js';

describe('ClientNsq', () => {
  let nsqd: FakeNsqd;
  const clients: ClientNsq[] = [];
  beforeEach(async () => {
    nsqd = await FakeNsqd.start();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await nsqd.close();
  });
  const client = (options: Partial<ConstructorParameters<typeof ClientNsq>[0]> = {}) => {
    const c = new ClientNsq({ nsqdTcpAddresses: [nsqd.address], ...options });
    clients.push(c);
    return c;
  };
  const emit = (c: ClientNsq, pattern: unknown, data: unknown) => lastValueFrom(c.emit(pattern, data), { defaultValue: undefined });
  const published = () => nsqd.connections.flatMap((c) => c.commands).filter((c) => c.name === 'PUB');

  it('emits without connect(): the emit waits for the connection itself', async () => {
    await expect(emit(client(), 'orders', { id: 1 })).resolves.toBeUndefined();
    expect(published().map((c) => [c.params[0], c.body!.toString()])).toEqual([['orders', '{"id":1}']]);
  });

  it('routes a number pattern to its decimal topic, as Nest\'s clients do, and refuses other non-strings with InvalidNsqNameError', async () => {
    const c = client();
    await emit(c, 4242, { n: 1 });
    expect(published().map((cmd) => cmd.params[0])).toEqual(['4242']);
    await expect(emit(c, { cmd: 'orders' }, { n: 1 })).rejects.toBeInstanceOf(InvalidNsqNameError);
    await expect(emit(c, true, { n: 1 })).rejects.toBeInstanceOf(InvalidNsqNameError);
  });

  it('is hot: an emit nobody subscribes to is published, and its failure is logged rather than lost', async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
    try {
      const c = client();
      c.emit('hot', { n: 1 });
      await waitFor(() => published().length === 1, { message: 'the unsubscribed emit was not published' });
      const nowhere = new ClientNsq({ nsqdTcpAddresses: [`127.0.0.1:${await freePort()}`], publishTimeoutMs: 200 });
      clients.push(nowhere);
      nowhere.emit('lost', { n: 1 });
      await waitFor(() => errors.some((e) => /emit to "lost" failed and nothing subscribed to its result: NsqUnavailableError/.test(e)), { message: 'the failure was not logged' });
    } finally {
      spy.mockRestore();
    }
  });

  it("gives an emit's outcome to every subscriber, early or late, and logs nothing when one subscribed", async () => {
    const errors: string[] = [];
    const spy = jest.spyOn(Logger.prototype, 'error').mockImplementation((message: unknown) => void errors.push(String(message)));
    try {
      const c = client();
      const sent = c.emit('orders', { n: 1 });
      const early = lastValueFrom(sent, { defaultValue: 'none' });
      await expect(early).resolves.toBeUndefined();
      // Subscribed after nsqd's OK: the same outcome, not a second publish.
      await expect(lastValueFrom(sent, { defaultValue: 'none' })).resolves.toBeUndefined();
      expect(published()).toHaveLength(1);
      // Refused before anything is written (a bad topic), subscribed in the same turn: the error, and no log line.
      const refused = c.emit('bad topic', { n: 1 });
      const [first, second] = await Promise.allSettled([lastValueFrom(refused), lastValueFrom(refused)]);
      expect(first).toMatchObject({ status: 'rejected', reason: expect.any(InvalidNsqNameError) });
      expect(second).toMatchObject({ status: 'rejected', reason: expect.any(InvalidNsqNameError) });
      await lastValueFrom(c.emit('orders', { n: 2 }));
      expect(errors).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  it('connect() rejects with NsqUnavailableError when no nsqd answers in connectTimeoutMs', async () => {
    const c = new ClientNsq({ nsqdTcpAddresses: [`127.0.0.1:${await freePort()}`], connectTimeoutMs: 200 });
    clients.push(c);
    await expect(c.connect()).rejects.toBeInstanceOf(NsqUnavailableError);
  });

  it('closes when it never connected, twice, and refuses emits and connect() afterwards', async () => {
    const c = client();
    await expect(c.close()).resolves.toBeUndefined();
    await expect(c.close()).resolves.toBeUndefined();
    await expect(emit(c, 't', { n: 1 })).rejects.toBeInstanceOf(NsqUnavailableError);
    await expect(c.connect()).rejects.toBeInstanceOf(NsqUnavailableError);
    expect(nsqd.connections).toHaveLength(0);
  });

  it('send() on a closed client fails at once', async () => {
    const c = client();
    await c.close();
    await expect(lastValueFrom(c.send('rpc', { n: 1 }))).rejects.toBeInstanceOf(NsqUnavailableError);
    expect(c.pendingRequests).toBe(0);
  });

  it('unwrap() gives the connected nsqjs Writers once connected', async () => {
    const c = client();
    expect(() => c.unwrap()).toThrow(/Not initialized/);
    await c.connect();
    expect(c.unwrap<unknown[]>()).toHaveLength(1);
  });
});
