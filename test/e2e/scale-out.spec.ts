import { startNsqCluster, type NsqCluster } from '../support/nsq-cluster.js';
import { NsqLookupdNode } from '../support/nsqlookupd-node.js';
import { SILENT_LOG } from './scenarios/scenario.js';
import { SCALE_OUT_NSQD_ARGS, scaleOutScenario } from './scenarios/scale-out-scenario.js';
import { announceTargets, databaseTargets } from './support/database-targets.js';
import { startAgent, startSaver, type RunningService } from './support/services.js';

const targets = databaseTargets();
announceTargets('scale-out: three nsqds, two lookupds, two saver replicas', targets);

describe.each(targets.map((target) => [target.name, target] as const))('scale-out on %s', (_name, target) => {
  let secondLookupd: NsqLookupdNode;
  let cluster: NsqCluster;
  let savers: RunningService[] = [];
  let agent: RunningService;

  beforeAll(async () => {
    secondLookupd = await NsqLookupdNode.start();
    cluster = await startNsqCluster({ nsqds: 3, lookupd: true, nsqdArgs: [...SCALE_OUT_NSQD_ARGS, `--lookupd-tcp-address=${secondLookupd.tcpAddress}`] });
    const lookupds = [cluster.lookupd!.httpAddress, secondLookupd.httpAddress].join(',');
    // Each replica its own database (PGlite cannot be shared by two processes); a report is looked up on both.
    savers = [
      await startSaver({ ...(await target.env()), NSQLOOKUPD_HTTP_ADDRESSES: lookupds, SAVER_LOOKUPD_POLL_INTERVAL_MS: '1000' }),
      await startSaver({ ...(await target.env()), NSQLOOKUPD_HTTP_ADDRESSES: lookupds, SAVER_LOOKUPD_POLL_INTERVAL_MS: '1000' }),
    ];
    agent = await startAgent({
      NSQD_TCP_ADDRESSES: cluster.nsqds.map((n) => n.tcpAddress).join(','),
      NSQD_HTTP_ADDRESSES: cluster.nsqds.map((n) => n.httpAddress.replace(/^https?:\/\//, '')).join(','),
      NSQ_PUBLISH_TIMEOUT_MS: '2000',
    });
  }, 180_000); // five NSQ programs and three apps: slow to start when both cores are busy
  afterAll(async () => {
    await agent?.close();
    for (const saver of savers) await saver.close();
    await cluster?.close();
    await secondLookupd?.kill();
    await target.cleanup();
  });

  it(scaleOutScenario.title, async () => {
    await scaleOutScenario.run({ agentUrl: agent.url, saverUrls: savers.map((s) => s.url), nsqds: cluster.nsqds, reports: 300 }, SILENT_LOG);
  });
});
