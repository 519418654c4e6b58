import { Logger } from '@nestjs/common';
import { createSaverApp, startSaverApp } from './saver.app.js';

try {
  const saver = await createSaverApp();
  await startSaverApp(saver);
  Logger.log(`Saver listening on http://${saver.config.host}:${saver.config.port}`, 'SaverMain');
} catch (error) {
  console.error(JSON.stringify({ level: 'fatal', context: 'SaverMain', message: error instanceof Error ? error.message : String(error) }));
  process.exit(1);
}
