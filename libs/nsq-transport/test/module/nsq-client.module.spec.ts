import { jest } from '@jest/globals';
import { Inject, Injectable, Module } from '@nestjs/common';
import { ClientsModule } from '@nestjs/microservices';
import { ClientNsq } from '../../src/client/client-nsq.js';
import { InvalidNsqOptionError } from '../../src/errors/invalid-nsq-option.error.js';
import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { NsqClientModule } from '../../src/module/nsq-client.module.js';
import type { ClientNsqOptions } from '../../src/options/client-nsq-options.interface.js';
import { nestContext } from '../support/nest-context.js';
import { catchError, catchRejection } from '../support/catch-error.js';

// Nothing here connects: a client connects on its first emit or connect().
const NSQD = ['127.0.0.1:4150'];
const optionsOf = (client: ClientNsq) => (client as unknown as { options: { nsqdTcpAddresses: readonly string[]; publishTimeoutMs: number } }).options;

@Injectable()
class UsesClient {
  constructor(readonly client: ClientNsq) {}
}

class Settings {
  readonly publishTimeoutMs = 1_234;
}

@Module({ providers: [Settings], exports: [Settings] })
class SettingsModule {}

describe('NsqClientModule', () => {
  describe('register', () => {
    it('provides a ClientNsq with the given options, injected by type', async () => {
      const app = await nestContext({ imports: [NsqClientModule.register({ nsqdTcpAddresses: NSQD, publishTimeoutMs: 42 })], providers: [UsesClient] });
      const client = app.get(UsesClient).client;
      expect(client).toBeInstanceOf(ClientNsq);
      expect(client).toBe(app.get(ClientNsq));
      expect(optionsOf(client)).toMatchObject({ nsqdTcpAddresses: NSQD, publishTimeoutMs: 42 });
      await app.close();
    });

    it('keeps two registrations with different options apart (Nest merges dynamic modules that serialize alike)', async () => {
      const app = await nestContext({
        imports: [NsqClientModule.register({ name: 'A', nsqdTcpAddresses: ['127.0.0.1:4150'] }), NsqClientModule.register({ name: 'B', nsqdTcpAddresses: ['127.0.0.1:4250'] })],
      });
      expect(optionsOf(app.get('A')).nsqdTcpAddresses).toEqual(['127.0.0.1:4150']);
      expect(optionsOf(app.get('B')).nsqdTcpAddresses).toEqual(['127.0.0.1:4250']);
      await app.close();
    });

    it.each(['reference', 'deep-hash'] as const)('gives each feature module its own client when the options differ, even without names (module ids: %s)', async (moduleIdGeneratorAlgorithm) => {
      @Module({ imports: [NsqClientModule.register({ nsqdTcpAddresses: ['127.0.0.1:4150'] })], providers: [UsesClient], exports: [UsesClient] })
      class First {}
      @Module({ imports: [NsqClientModule.register({ nsqdTcpAddresses: ['127.0.0.1:4250'] })], providers: [{ provide: 'SECOND', inject: [ClientNsq], useFactory: (client: ClientNsq) => client }], exports: ['SECOND'] })
      class Second {}
      // deep-hash identifies a dynamic module by its serialized metadata, where a function is its source text.
      const app = await nestContext({ imports: [First, Second] }, { moduleIdGeneratorAlgorithm });
      expect(optionsOf(app.get(UsesClient).client).nsqdTcpAddresses).toEqual(['127.0.0.1:4150']);
      expect(optionsOf(app.get('SECOND')).nsqdTcpAddresses).toEqual(['127.0.0.1:4250']);
      await app.close();
    });

    it('exports the client to the whole app with isGlobal', async () => {
      @Module({ providers: [UsesClient], exports: [UsesClient] })
      class Feature {}
      const app = await nestContext({ imports: [NsqClientModule.register({ nsqdTcpAddresses: NSQD, isGlobal: true }), Feature] });
      expect(app.get(UsesClient).client).toBeInstanceOf(ClientNsq);
      await app.close();
    });

    it('closes the client with the application', async () => {
      const app = await nestContext({ imports: [NsqClientModule.register({ nsqdTcpAddresses: NSQD })] });
      const close = jest.spyOn(app.get(ClientNsq), 'close');
      await app.close();
      expect(close).toHaveBeenCalledTimes(1);
    });

    it('refuses an unknown key at once, naming the closest (registration keys included)', () => {
      const typo = { nsqdTcpAddresses: NSQD, isGlobl: true } as unknown as ClientNsqOptions;
      expect(catchError(UnknownNsqOptionError, () => NsqClientModule.register(typo))).toMatchObject({ option: 'isGlobl', suggestion: 'isGlobal' });
    });

    it.each<[string, Record<string, unknown>]>([
      ['name', { name: 42 }],
      ['isGlobal', { isGlobal: 'yes' }],
    ])('refuses a bad %s at once', (option, registration) => {
      const options = { nsqdTcpAddresses: NSQD, ...registration } as unknown as ClientNsqOptions;
      expect(catchError(InvalidNsqOptionError, () => NsqClientModule.register(options)).option).toBe(option);
    });

    it("refuses an invalid value when Nest builds the client", async () => {
      const error = await catchRejection(InvalidNsqOptionError, () => nestContext({ imports: [NsqClientModule.register({ nsqdTcpAddresses: ['no port'] })] }));
      expect(error.option).toBe('nsqdTcpAddresses[0]');
    });
  });

  describe('registerAsync', () => {
    it('builds the options with the injected providers', async () => {
      const app = await nestContext({
        imports: [
          NsqClientModule.registerAsync({
            name: 'NSQ',
            imports: [SettingsModule],
            inject: [Settings],
            useFactory: async (settings: Settings) => ({ nsqdTcpAddresses: NSQD, publishTimeoutMs: settings.publishTimeoutMs }),
          }),
        ],
      });
      expect(optionsOf(app.get('NSQ')).publishTimeoutMs).toBe(1_234);
      await app.close();
    });

    it('refuses an unknown key in what the factory returns, naming the closest', async () => {
      const fromAConfigFile = JSON.parse('{ "nsqdTcpAddresses": ["127.0.0.1:4150"], "batching": { "lingerMS": 5 } }') as ClientNsqOptions;
      const error = await catchRejection(UnknownNsqOptionError, () => nestContext({ imports: [NsqClientModule.registerAsync({ useFactory: () => fromAConfigFile })] }));
      expect(error).toMatchObject({ option: 'batching.lingerMS', suggestion: 'batching.lingerMs' });
    });

    it('refuses an unknown key among its own options', () => {
      const typo = { useFactory: () => ({ nsqdTcpAddresses: NSQD }), injects: [Settings] } as unknown as Parameters<typeof NsqClientModule.registerAsync>[0];
      expect(catchError(UnknownNsqOptionError, () => NsqClientModule.registerAsync(typo))).toMatchObject({ option: 'injects', suggestion: 'inject' });
    });
  });

  it('leaves Nest’s own ClientsModule form working, by name', async () => {
    @Injectable()
    class ByName {
      constructor(@Inject('NSQ') readonly client: ClientNsq) {}
    }
    const app = await nestContext({
      imports: [ClientsModule.register([{ name: 'NSQ', customClass: ClientNsq, options: { nsqdTcpAddresses: NSQD } }])],
      providers: [ByName],
    });
    expect(app.get(ByName).client).toBeInstanceOf(ClientNsq);
    await app.close();
  });
});
