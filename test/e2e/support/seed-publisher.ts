import { join } from 'node:path';
import { buildGoProgram } from '../../support/go-program.js';
import { repoRoot } from '../../support/nsq-binaries.js';

/** The seed's Go publisher (test/e2e/seed-publisher, go-nsq from the module proxy), built in a temp folder. */
export interface SeedPublisher {
  publish(args: { nsqd: string; eventTopic: string; statusTopic: string; eventName: string; count: number; dataName?: string }): Promise<string>;
  remove(): Promise<void>;
}

export async function buildSeedPublisher(): Promise<SeedPublisher> {
  const program = await buildGoProgram(join(repoRoot(), 'test', 'e2e', 'seed-publisher'));
  return {
    async publish({ nsqd, eventTopic, statusTopic, eventName, count, dataName }) {
      const args = ['-nsqd', nsqd, '-event-topic', eventTopic, '-status-topic', statusTopic, '-event-name', eventName, '-count', String(count)];
      if (dataName !== undefined) args.push('-data-name', dataName);
      const { stdout } = await program.run(args);
      return stdout;
    },
    remove: () => program.remove(),
  };
}
