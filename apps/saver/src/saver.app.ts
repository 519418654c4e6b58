import 'reflect-metadata';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ServerNsq } from 'nestjs-transport-nsq';
import { SaverConfig } from './config/saver.config.js';
import { createJsonLogger } from './logging.js';
import { SaverModule } from './saver.module.js';

export interface SaverApp {
  readonly app: INestApplication;
  readonly config: SaverConfig;
  readonly server: ServerNsq;
}

/**
 * The saver: one HTTP app (health, read endpoints) with its NSQ consumer
 * connected. `env` replaces `.env` and process.env (tests). Call
 * `startSaverApp(saver)` to subscribe and listen.
 */
export async function createSaverApp(env?: Record<string, string | undefined>): Promise<SaverApp> {
  // abortOnError false: an invalid configuration is thrown to the caller, not a process.abort().
  const app = await NestFactory.create(await SaverModule.forRoot(env), { bufferLogs: true, abortOnError: false });
  const config = app.get(SaverConfig);
  app.useLogger(createJsonLogger('saver', config.logLevel));
  // Event payloads are DTOs from @app/contracts; unknown fields are stripped, not refused (as Go's decoders do).
  app.useGlobalPipes(new ValidationPipe({ transform: true, whitelist: true }));
  const server = app.get(ServerNsq);
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  // SIGTERM/SIGINT: stop taking messages, let handlers in flight finish, then close the database.
  app.enableShutdownHooks([], { useProcessExit: true });
  return { app, config, server };
}

/** Subscribes the consumer (the database is migrated by then), then serves HTTP. */
export async function startSaverApp({ app, config }: SaverApp, port = config.port): Promise<void> {
  await app.startAllMicroservices();
  await app.listen(port, config.host);
}
