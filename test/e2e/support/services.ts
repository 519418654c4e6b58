import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import { createAgentApp } from '../../../apps/agent/src/agent.app.js';
import { createSaverApp, startSaverApp, type SaverApp } from '../../../apps/saver/src/saver.app.js';

/** A running app and its base URL. */
export interface RunningService {
  readonly url: string;
  readonly app: INestApplication;
  close(): Promise<void>;
}

const QUIET = { LOG_LEVEL: process.env.E2E_LOG_LEVEL ?? 'silent' };

function urlOf(app: INestApplication): string {
  const address = app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${address.port}`;
}

/** The real agent (apps/agent), in this process, on a free port. */
export async function startAgent(env: Record<string, string>): Promise<RunningService> {
  const { app } = await createAgentApp({ ...QUIET, AGENT_HOST: '127.0.0.1', AGENT_PORT: '0', ...env });
  await app.listen(0, '127.0.0.1');
  let closing: Promise<void> | undefined;
  return { app, url: urlOf(app), close: () => (closing ??= app.close()) };
}

/** The real saver (apps/saver), in this process, on a free port; resolves once both consumers are subscribed. */
export async function startSaver(env: Record<string, string>): Promise<RunningService & { saver: SaverApp }> {
  const saver = await createSaverApp({ ...QUIET, SAVER_HOST: '127.0.0.1', SAVER_PORT: '0', ...env });
  await startSaverApp(saver, 0);
  let closing: Promise<void> | undefined;
  return { saver, app: saver.app, url: urlOf(saver.app), close: () => (closing ??= saver.app.close()) };
}
