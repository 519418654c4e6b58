import { Logger, type Type } from '@nestjs/common';
import { ClientProxy, type ReadPacket } from '@nestjs/microservices';
import { firstValueFrom, lastValueFrom } from 'rxjs';
import { ClientNsq } from '../../src/client/client-nsq.js';
import { NsqTransportError } from '../../src/errors/nsq-transport.error.js';
import { NsqStatus } from '../../src/events/nsq.events.js';

// What ClientNsq needs to work on Nest 11 as on Nest 12. Nothing listens on port 1: the emits
// below fail fast, after the parts under test have run.
const UNREACHABLE = { nsqdTcpAddresses: ['127.0.0.1:1'], connectTimeoutMs: 50, publishTimeoutMs: 50, reconnectMinDelayMs: 10, reconnectMaxDelayMs: 10 };

describe('ClientNsq on Nest 11 and 12', () => {
  // The refused connections are expected here: keep their error lines out of the test output.
  beforeAll(() => Logger.overrideLogger(false));

  it("is a Type<ClientProxy> under strict, as ClientsModule's customClass requires, with a typed status", async () => {
    const customClass: Type<ClientProxy> = ClientNsq;
    const client = new customClass(UNREACHABLE) as ClientNsq;
    await client.close();
    const status: NsqStatus = await firstValueFrom(client.status);
    expect(status).toBe(NsqStatus.DISCONNECTED);
  });

  it('emits without ClientProxy#createPacket, which Nest 11 does not have', async () => {
    const createPacket = Object.getOwnPropertyDescriptor(ClientProxy.prototype, 'createPacket');
    const client = new ClientNsq(UNREACHABLE);
    try {
      delete (ClientProxy.prototype as unknown as Record<string, unknown>)['createPacket'];
      await expect(lastValueFrom(client.emit('orders', { id: 1 }))).rejects.toBeInstanceOf(NsqTransportError);
    } finally {
      if (createPacket) Object.defineProperty(ClientProxy.prototype, 'createPacket', createPacket);
      await client.close();
    }
  });

  it('still hands each packet to the dispatch hook (Nest 12)', async () => {
    const client = new ClientNsq(UNREACHABLE);
    const seen: ReadPacket[] = [];
    client.setOnDispatchHook((packet) => seen.push(packet));
    const sent = lastValueFrom(client.emit('orders', { id: 2 }));
    expect(seen).toEqual([{ pattern: 'orders', data: { id: 2 } }]);
    await expect(sent).rejects.toBeInstanceOf(NsqTransportError);
    await client.close();
  });
});
