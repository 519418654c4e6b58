import type { ScenarioLog } from './scenario.js';
import { check, http, waitUntil } from './scenario-steps.js';

/** An nsqd the scenario can take away and bring back (the harness's NsqdNode). */
export interface StoppableNsqd {
  readonly tcpAddress: string;
  /** Clean stop (SIGTERM): nsqd writes what it holds (queued, in flight, deferred) to disk. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data: what it held is delivered. */
  restart(): Promise<void>;
}

/** Several nsqds, one agent publishing to all of them, several saver replicas consuming from all of them. */
export interface ScaleOutEnv {
  readonly agentUrl: string;
  readonly saverUrls: readonly string[];
  readonly nsqds: readonly StoppableNsqd[];
  /** Reports to post. */
  readonly reports: number;
}

/**
 * Reports posted without pause while one nsqd of several is stopped and
 * started again: the agent fails over to the others, the replicas share the
 * work, and every report the agent acknowledged (202) is stored. A report
 * answered 503 was never acknowledged (its caller would retry it).
 */
export const scaleOutScenario = {
  title: 'Scale-out: one nsqd of several stopped mid-run, nothing acknowledged lost',
  async run({ agentUrl, saverUrls, nsqds, reports }: ScaleOutEnv, log: ScenarioLog): Promise<string> {
    check(nsqds.length >= 2 && saverUrls.length >= 1, 'the scale-out scenario needs two nsqds or more');
    const victim = nsqds[1]!;
    const acknowledged: string[] = [];
    let refused = 0;
    let next = 0;
    let stopping: Promise<void> | undefined;
    const worker = async () => {
      while (next < reports) {
        const i = next++;
        const answer = await http('POST', `${agentUrl}/reports`, { title: `scale-out ${i}`, author: 'scale-out', content: 'x'.repeat(100) });
        if (answer.status === 202) acknowledged.push(answer.body.id);
        else refused++;
        if (stopping === undefined && acknowledged.length >= reports / 3) {
          log.info(`${acknowledged.length} reports acknowledged; stopping nsqd ${victim.tcpAddress}`);
          stopping = victim.stop();
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await stopping;
    log.info(`${acknowledged.length} acknowledged, ${refused} refused (503) while nsqd ${victim.tcpAddress} was down; starting it again`);
    await victim.restart();

    const storedOn = new Map<string, number>();
    await waitUntil(
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
    const lost = acknowledged.filter((id) => !storedOn.has(id)).length;
    check(lost === 0, `${lost} acknowledged reports lost`);
    check(acknowledged.length > 0, 'nothing was acknowledged');
    const perReplica = saverUrls.map((_url, replica) => [...storedOn.values()].filter((r) => r === replica).length);
    return `${acknowledged.length} acknowledged, all stored (${perReplica.map((n, r) => `replica ${r + 1}: ${n}`).join(', ')}), lost 0; ${refused} answered 503 during the stop`;
  },
};
