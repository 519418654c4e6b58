/**
 * One arm, one workload, three runs, for `node --cpu-prof` (the profiles
 * BENCHMARKS.md's notes quote). Not part of `npm run bench`.
 *
 *   node --cpu-prof --cpu-prof-dir .tmp/prof dist/bench/test/bench/bench-profile.js consume ours 100 100000 1000
 *   node --cpu-prof --cpu-prof-dir .tmp/prof dist/bench/test/bench/bench-profile.js publish ours 65536 4000 1000
 *   node dist/bench/test/bench/report/profile-summary.js .tmp/prof/<file>.cpuprofile
 *
 * Arguments: publish|consume, raw|raw-tuned|ours|nnt|frames (frames: consume only), size, count, window (publish; "serial" for serial) or maxInFlight (consume).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NsqdNode } from '../support/nsqd-node.js';
import { NestNsqTransportArm } from './arms/nest-nsq-transport.arm.js';
import { NestNsqArm } from './arms/nest-nsq.arm.js';
import { NodeFrameReaderArm } from './arms/node-frame-reader.arm.js';
import { RawNsqjsTunedArm } from './arms/raw-nsqjs-tuned.arm.js';
import { RawNsqjsArm } from './arms/raw-nsqjs.arm.js';
import type { BenchArm } from './bench-arm.interface.js';
import { BenchFiller } from './bench-filler.js';
import { runConsumeMeasured } from './workloads/consume.workload.js';
import { runPublish } from './workloads/publish.workload.js';

async function main(): Promise<void> {
  const [what = 'consume', armId = 'ours', sizeArg = '100', countArg = '100000', param = '1000'] = process.argv.slice(2);
  const arms: Record<string, BenchArm> = {
    raw: new RawNsqjsArm(),
    'raw-tuned': new RawNsqjsTunedArm(),
    ours: new NestNsqArm(),
    nnt: new NestNsqTransportArm(),
    frames: new NodeFrameReaderArm(),
  };
  const arm = arms[armId];
  if (!arm) throw new Error(`unknown arm ${armId} (${Object.keys(arms).join(', ')})`);
  const size = Number(sizeArg);
  const count = Number(countArg);
  const keepAlive = setInterval(() => undefined, 1_000);
  const dataPath = await mkdtemp(join(tmpdir(), 'nsq-bench-profile-'));
  const nsqd = await NsqdNode.start({ nodeId: 2, dataPath, args: ['--mem-queue-size=1000000', '--log-level=warn'] });
  try {
    const target = { nsqdTcpAddress: nsqd.tcpAddress };
    for (let run = 1; run <= 3; run++) {
      const topic = `profile-${run}`;
      let rate: number;
      let cpu = '';
      if (what === 'consume') {
        const filler = await BenchFiller.connect(nsqd.tcpAddress);
        await nsqd.createTopic(topic);
        await nsqd.createChannel(topic, 'profile');
        await filler.fill(topic, size, count);
        filler.close();
        const measured = await runConsumeMeasured(arm, target, topic, 'profile', count, Number(param));
        rate = measured.rate;
        cpu = `, ${measured.cpuMicrosPerMessage.toFixed(2)} µs CPU/message`;
      } else {
        const producer = await arm.createProducer(target);
        rate = await runPublish(producer, topic, size, count, param === 'serial' ? { kind: 'serial' } : { kind: 'pipelined', window: Number(param) });
        await producer.close();
      }
      process.stdout.write(`${what} ${armId} ${size} B run ${run}: ${Math.round(rate)} msg/s${cpu}\n`);
      await nsqd.deleteTopic(topic);
    }
  } finally {
    await nsqd.kill();
    await rm(dataPath, { recursive: true, force: true });
    clearInterval(keepAlive);
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
