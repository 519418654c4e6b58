import 'reflect-metadata';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AgentModule } from './agent.module.js';
import { AgentConfig } from './config/agent.config.js';
import { createJsonLogger } from './logging.js';

/**
 * The agent, configured and ready to `listen()`. `env` replaces `.env` and
 * process.env (tests). An invalid variable fails here, with every problem named.
 */
export async function createAgentApp(env?: Record<string, string | undefined>): Promise<{ app: INestApplication; config: AgentConfig }> {
  // abortOnError false: an invalid configuration is thrown to the caller, not a process.abort().
  const app = await NestFactory.create(await AgentModule.forRoot(env), { bufferLogs: true, abortOnError: false });
  const config = app.get(AgentConfig);
  app.useLogger(createJsonLogger('agent', config.logLevel));
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  // SIGTERM/SIGINT close the app: the NSQ client waits for unacknowledged publishes.
  app.enableShutdownHooks([], { useProcessExit: true });
  return { app, config };
}
