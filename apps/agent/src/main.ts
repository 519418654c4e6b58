import { Logger } from '@nestjs/common';
import { createAgentApp } from './agent.app.js';

try {
  const { app, config } = await createAgentApp();
  await app.listen(config.port, config.host);
  Logger.log(`Agent listening on http://${config.host}:${config.port}`, 'AgentMain');
} catch (error) {
  // One line, no stack for a configuration mistake.
  console.error(JSON.stringify({ level: 'fatal', context: 'AgentMain', message: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
}
