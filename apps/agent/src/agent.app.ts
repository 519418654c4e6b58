import 'reflect-metadata';
import { type INestApplication, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AgentModule } from './agent.module.js';
import { type AgentConfig, loadAgentConfig } from './config/agent.config.js';
import { createJsonLogger } from './logging.js';

/** The agent, configured and ready to `listen()`; its config is validated first (a bad variable fails here). */
export async function createAgentApp(env: Record<string, string | undefined> = process.env): Promise<{ app: INestApplication; config: AgentConfig }> {
  const config = loadAgentConfig(env);
  const app = await NestFactory.create(AgentModule.forRoot(config), { logger: createJsonLogger('agent', config.logLevel) });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
  // SIGTERM/SIGINT close the app: the NSQ client waits for unacknowledged publishes.
  app.enableShutdownHooks([], { useProcessExit: true });
  return { app, config };
}
