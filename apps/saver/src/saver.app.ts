import 'reflect-metadata';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServerNsq } from 'nestjs-transport-nsq';
import { loadSaverConfig, type SaverConfig } from './config/saver.config.js';
import { createJsonLogger } from './logging.js';
import { SaverModule } from './saver.module.js';
import { FLASH_SALE_TRANSPORT } from './topics.js';

export interface SaverApp {
  readonly app: INestApplication;
  readonly config: SaverConfig;
  readonly servers: { readonly main: ServerNsq; readonly flashSale: ServerNsq };
}

/**
 * The saver: one HTTP app (health, read endpoints) with two NSQ consumers
 * connected — the main one, and the flash-sale one with a single message in
 * flight. Call `start(saver)` to subscribe and listen.
 */
export async function createSaverApp(env: Record<string, string | undefined> = process.env): Promise<SaverApp> {
  const config = loadSaverConfig(env);
  const common = {
    lookupdHttpAddresses: config.lookupdHttpAddresses,
    nsqdTcpAddresses: config.nsqdTcpAddresses,
    maxAttempts: config.maxAttempts,
    deadLetterTopic: config.deadLetterTopic,
    drainTimeoutMs: config.drainTimeoutMs,
    msgTimeoutMs: config.msgTimeoutMs,
    clientId: 'saver',
  };
  const servers = {
    main: new ServerNsq({ ...common, channel: config.channel, maxInFlight: config.maxInFlight }),
    flashSale: new ServerNsq({ ...common, channel: config.flashSale.channel, maxInFlight: 1, transportId: FLASH_SALE_TRANSPORT }),
  };
  const app = await NestFactory.create(SaverModule.forRoot(config, servers), { logger: createJsonLogger('saver', config.logLevel) });
  app.useGlobalPipes(new ValidationPipe({ transform: true }));
  app.connectMicroservice({ strategy: servers.main }, { inheritAppConfig: true });
  app.connectMicroservice({ strategy: servers.flashSale }, { inheritAppConfig: true });
  // SIGTERM/SIGINT: stop taking messages, let handlers in flight finish, then close the database.
  app.enableShutdownHooks([], { useProcessExit: true });
  return { app, config, servers };
}

/** Subscribes the consumers (the schema is ready by then), then serves HTTP. */
export async function startSaverApp({ app, config }: SaverApp, port = config.port): Promise<void> {
  await app.startAllMicroservices();
  await app.listen(port, config.host);
}
