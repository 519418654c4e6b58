import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientNsq } from 'nestjs-transport-nsq';
import { TestNsqd, TestNsqdStartError } from 'nestjs-transport-nsq/testing';
import { lastValueFrom } from 'rxjs';
import { nsqBinary, nsqHttpJson, type NsqdStats } from '../support/index.js';

// nestjs-transport-nsq/testing's TestNsqd, as a user's integration test runs it (the packaging suite
// runs it from the packed package too).
describe('TestNsqd', () => {
  it('runs a real nsqd on free loopback ports that the transport can publish to, and stops it', async () => {
    const nsqd = await TestNsqd.start({ binary: nsqBinary('nsqd'), args: ['--mem-queue-size=100'] });
    const client = new ClientNsq({ nsqdTcpAddresses: [nsqd.tcpAddress] });
    try {
      await lastValueFrom(client.emit('testing.entry', { ok: true }), { defaultValue: undefined });
      const stats = await nsqHttpJson<NsqdStats>(nsqd.httpAddress, '/stats', { format: 'json' });
      expect(stats.topics.map((topic) => [topic.topic_name, topic.message_count])).toEqual([['testing.entry', 1]]);
    } finally {
      await client.close();
      await nsqd.stop();
    }
    await nsqd.stop(); // twice is fine
    await expect(fetch(`http://${nsqd.httpAddress}/ping`)).rejects.toThrow();
  });

  it('says so when nsqd is not installed', async () => {
    const error = await TestNsqd.start({ binary: 'nsqd-that-is-not-installed' }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(TestNsqdStartError);
    expect((error as Error).message).toContain('"nsqd-that-is-not-installed" was not found: put the NSQ programs (nsqd) on PATH');
  });

  it('shows what nsqd said when it exits at start', async () => {
    const error = await TestNsqd.start({ binary: nsqBinary('nsqd'), args: ['--no-such-flag'] }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(TestNsqdStartError);
    expect((error as TestNsqdStartError).output).toContain('no-such-flag');
  });

  it('gives up on an nsqd that never answers /ping', async () => {
    // A stand-in "nsqd" that starts and says nothing.
    const dir = await mkdtemp(join(tmpdir(), 'silent-nsqd-'));
    const silent = join(dir, 'nsqd');
    await writeFile(silent, '#!/bin/sh\nexec sleep 30\n');
    await chmod(silent, 0o755);
    try {
      const error = await TestNsqd.start({ binary: silent, startTimeoutMs: 300 }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
      expect(error).toBeInstanceOf(TestNsqdStartError);
      expect((error as Error).message).toMatch(/no answer on http:\/\/127\.0\.0\.1:\d+\/ping within 300 ms/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
