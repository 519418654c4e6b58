import { CHANNELS, TOPICS } from '@app/contracts';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioLog } from './scenario.js';
import { ScenarioFailure } from './scenario-failure.error.js';
import { check, http, nsqdChannels, waitUntil } from './scenario-steps.js';

/**
 * Flags for every nsqd of a scale-out run. With no memory queue nsqd writes
 * each message to its disk queue (a write syscall) before it answers OK, so a
 * SIGKILL of the process cannot take back what it acknowledged; restarted on
 * the same data path, it delivers what it held.
 */
export const SCALE_OUT_NSQD_ARGS: readonly string[] = ['--mem-queue-size=0'];

/** An nsqd the scenario can crash and bring back (the harness's NsqdNode). */
export interface CrashableNsqd {
  readonly tcpAddress: string;
  /** `host:port` or `http://host:port`. */
  readonly httpAddress: string;
  /** Its `--data-path` (kept across the restart). */
  readonly dataPath: string;
  /** Crash (SIGKILL); resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and data path. */
  restart(): Promise<void>;
}

/** Several nsqds, one agent publishing to all of them, several saver replicas consuming from all of them. */
export interface ScaleOutEnv {
  readonly agentUrl: string;
  readonly saverUrls: readonly string[];
  readonly nsqds: readonly CrashableNsqd[];
  /** Reports to post. */
  readonly reports: number;
}

/** Reports posted at once, like concurrent HTTP clients. */
const CONCURRENCY = 8;

/**
 * Reports posted without pause; a third of the way through one nsqd of
 * several is SIGKILLed, two thirds through it is started again on its data.
 * The agent's publishes move to the other nsqds while it is down, the
 * replicas share the work, and every report the agent acknowledged (202) is
 * stored. A report answered 503 was never acknowledged (its caller would
 * retry it).
 */
export const scaleOutScenario = {
  title: 'Scale-out: one nsqd of several SIGKILLed mid-run, nothing acknowledged lost',
  async run({ agentUrl, saverUrls, nsqds, reports }: ScaleOutEnv, log: ScenarioLog): Promise<string> {
    check(nsqds.length >= 2 && saverUrls.length >= 1, 'the scale-out scenario needs two nsqds or more');
    const victim = nsqds[1]!;
    const others = nsqds.filter((n) => n !== victim);
    const acknowledged: string[] = [];
    let refused = 0;
    let next = 0;
    let phase: 'up' | 'down' | 'back' = 'up';
    let crash: Promise<void> | undefined;
    let revival: Promise<void> | undefined;
    let downSince = Infinity;
    let downUntil = Infinity;
    let beforeCrash: number[] = [];
    let atDown: number[] = [];
    let atRestart: number[] = [];
    /** Reports posted after the crash had completed and acknowledged before the restart began. */
    let acknowledgedWhileDown = 0;

    const worker = async () => {
      while (next < reports) {
        // Posting waits while the victim is being killed (it first waits up to 2 s for nsqd's queue positions):
        // otherwise a fast run posts everything before the kill and nothing is posted while it is down.
        if (crash !== undefined && downSince === Infinity) await crash;
        const i = next++;
        const startedAt = performance.now();
        const answer = await http('POST', `${agentUrl}/reports`, { title: `scale-out ${i}`, author: 'scale-out', content: 'x'.repeat(100) });
        if (answer.status === 202) {
          acknowledged.push(answer.body.id);
          if (startedAt > downSince && performance.now() < downUntil) acknowledgedWhileDown++;
        } else refused++;
        if (phase === 'up' && acknowledged.length >= reports / 3) {
          phase = 'down';
          crash = (async () => {
            // nsqd 1.3 writes a disk queue's read/write positions every --sync-timeout (2 s); killed before the
            // first write of them, it restarts that queue from nothing and loses what the queue held.
            await waitUntil(log, `nsqd ${victim.tcpAddress} to write its queue positions`, async () => positionsWritten(victim), 30_000);
            beforeCrash = await Promise.all(nsqds.map(topicMessages));
            log.info(`${acknowledged.length} reports acknowledged; SIGKILL to nsqd ${victim.tcpAddress}`);
            await victim.kill();
            atDown = await Promise.all(others.map(topicMessages));
            downSince = performance.now();
          })();
        }
        if (phase === 'down' && downSince !== Infinity && acknowledged.length >= (2 * reports) / 3) {
          phase = 'back';
          downUntil = performance.now();
          revival = (async () => {
            atRestart = await Promise.all(others.map(topicMessages));
            log.info(`${acknowledged.length} reports acknowledged; starting nsqd ${victim.tcpAddress} again on its data`);
            await victim.restart();
          })();
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    await crash;
    if (revival === undefined) {
      // Everything was posted before two thirds were acknowledged (many 503s): bring the node back now.
      downUntil = performance.now();
      atRestart = await Promise.all(others.map(topicMessages));
      revival = victim.restart();
    }
    await revival;

    const storedOn = new Map<string, number>();
    const allStored = waitUntil(
      log,
      `all ${acknowledged.length} acknowledged reports stored (${saverUrls.length} saver replicas)`,
      async () => {
        const missing = acknowledged.filter((id) => !storedOn.has(id));
        for (let i = 0; i < missing.length; i += 50) {
          await Promise.all(
            missing.slice(i, i + 50).map(async (id) => {
              for (const [replica, url] of saverUrls.entries()) {
                if ((await http('GET', `${url}/reports/${id}`)).status === 200) {
                  storedOn.set(id, replica);
                  return;
                }
              }
            }),
          );
        }
        return storedOn.size === acknowledged.length;
      },
      120_000,
    );
    await allStored.catch(async (error: unknown) => {
      // Say how many and where they could be: a message still queued or deferred on some nsqd is late, not lost.
      const where = await Promise.all(nsqds.map(async (n) => `${n.tcpAddress} ${JSON.stringify(await channelFigures(n))}`));
      throw new ScenarioFailure(`${acknowledged.length - storedOn.size} of ${acknowledged.length} acknowledged reports not stored (${String(error)}); saver channel per nsqd: ${where.join('; ')}`);
    });
    const lost = acknowledged.filter((id) => !storedOn.has(id)).length;
    check(lost === 0, `${lost} acknowledged reports lost`);
    check(acknowledged.length > 0, 'nothing was acknowledged');

    // While the victim was dead every acknowledged publish went to the others: their report.created counts grew by at least that much.
    const movedToOthers = atRestart.reduce((sum, n, i) => sum + n - atDown[i]!, 0);
    check(acknowledgedWhileDown > 0, 'no report was posted and acknowledged while the nsqd was down');
    check(
      movedToOthers >= acknowledgedWhileDown,
      `${acknowledgedWhileDown} reports acknowledged while nsqd ${victim.tcpAddress} was down, but the other nsqds received only ${movedToOthers}`,
    );

    const perNsqdBefore = nsqds.map((n, i) => `${n.tcpAddress} ${beforeCrash[i]}`).join(', ');
    const perNsqdDown = others.map((n, i) => `${n.tcpAddress} +${atRestart[i]! - atDown[i]!}`).join(', ');
    log.info(`published per nsqd before the SIGKILL: ${perNsqdBefore}`);
    log.info(`published per nsqd while ${victim.tcpAddress} was down: ${perNsqdDown}`);
    // Each replica's FINs on each nsqd (nsqd /stats; the restarted one counts from its restart).
    const split = await Promise.all(nsqds.map(finishedByConsumer));
    const consumers = [...new Set(split.flatMap((byConsumer) => [...byConsumer.keys()]))].sort();
    for (const consumer of consumers) {
      const counts = split.map((byConsumer) => byConsumer.get(consumer) ?? 0);
      log.info(`consumed by ${consumer}: ${counts.reduce((a, b) => a + b, 0)} (${nsqds.map((n, i) => `${n.tcpAddress} ${counts[i]}`).join(', ')})`);
    }
    return (
      `${acknowledged.length} acknowledged, all stored, lost 0; ${consumers.length} replicas shared the channel; ` +
      `${acknowledgedWhileDown} acknowledged while nsqd ${victim.tcpAddress} was down went to the others; ${refused} answered 503`
    );
  },
};

/** How many report.created messages an nsqd has taken since it started (topic message_count). */
async function topicMessages(nsqd: CrashableNsqd): Promise<number> {
  const base = /^https?:\/\//.test(nsqd.httpAddress) ? nsqd.httpAddress : `http://${nsqd.httpAddress}`;
  const { body } = await http<{ topics?: Array<{ topic_name: string; message_count: number }> }>('GET', `${base}/stats?format=json&topic=${TOPICS.reportCreated}`);
  return body.topics?.find((t) => t.topic_name === TOPICS.reportCreated)?.message_count ?? 0;
}

/** The report.created channels of an nsqd: depth, in flight, deferred, requeued (nsqd /stats). */
async function channelFigures(nsqd: CrashableNsqd): Promise<Array<Record<string, string | number>>> {
  return (await nsqdChannels(nsqd.httpAddress).catch(() => [])).filter((c) => c.topic === TOPICS.reportCreated).map(({ topic: _topic, ...figures }) => figures);
}

/** Whether the nsqd has written the positions of report.created's disk queue and of the saver channel's. */
function positionsWritten(nsqd: CrashableNsqd): boolean {
  return [TOPICS.reportCreated, `${TOPICS.reportCreated}:${CHANNELS.saver}`].every((queue) => existsSync(join(nsqd.dataPath, `${queue}.diskqueue.meta.dat`)));
}

/** report.created/saver messages each consumer (client id) finished on an nsqd. */
async function finishedByConsumer(nsqd: CrashableNsqd): Promise<Map<string, number>> {
  const base = /^https?:\/\//.test(nsqd.httpAddress) ? nsqd.httpAddress : `http://${nsqd.httpAddress}`;
  const { body } = await http<{ topics?: Array<{ topic_name: string; channels: Array<{ channel_name: string; clients: Array<{ client_id: string; finish_count: number }> }> }> }>(
    'GET',
    `${base}/stats?format=json&topic=${TOPICS.reportCreated}`,
  );
  const channel = body.topics?.find((t) => t.topic_name === TOPICS.reportCreated)?.channels.find((c) => c.channel_name === CHANNELS.saver);
  const byConsumer = new Map<string, number>();
  for (const client of channel?.clients ?? []) byConsumer.set(client.client_id, (byConsumer.get(client.client_id) ?? 0) + client.finish_count);
  return byConsumer;
}
