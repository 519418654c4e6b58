import { UnknownNsqOptionError } from '../../src/errors/unknown-nsq-option.error.js';
import { NsqServerModule } from '../../src/module/nsq-server.module.js';
import { ServerNsq } from '../../src/server/server-nsq.js';
import { nestContext } from '../support/nest-context.js';
import { catchError } from '../support/catch-error.js';

// Nothing here listens: a server subscribes only once connected to an app and started.
const optionsOf = (server: ServerNsq) => (server as unknown as { options: { channel: string | undefined; maxInFlight: number } }).options;

describe('NsqServerModule', () => {
  it('provides a ServerNsq with the given options, by type', async () => {
    const app = await nestContext({ imports: [NsqServerModule.register({ nsqdTcpAddresses: ['127.0.0.1:4150'], channel: 'saver' })] });
    expect(app.get(ServerNsq)).toBeInstanceOf(ServerNsq);
    expect(optionsOf(app.get(ServerNsq)).channel).toBe('saver');
    await app.close();
  });

  it('builds the options with a factory, under a name', async () => {
    const app = await nestContext({
      imports: [NsqServerModule.registerAsync({ name: 'FLASH_SALE', inject: [], useFactory: () => ({ nsqdTcpAddresses: ['127.0.0.1:4150'], maxInFlight: 1 }) })],
    });
    expect(optionsOf(app.get<ServerNsq>('FLASH_SALE')).maxInFlight).toBe(1);
    await app.close();
  });

  it('refuses an unknown key among registerAsync’s own options', () => {
    const typo = { useFactory: () => ({ nsqdTcpAddresses: ['127.0.0.1:4150'] }), imprts: [] } as unknown as Parameters<typeof NsqServerModule.registerAsync>[0];
    expect(catchError(UnknownNsqOptionError, () => NsqServerModule.registerAsync(typo))).toMatchObject({ option: 'imprts', suggestion: 'imports' });
  });
});
