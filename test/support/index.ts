/** Test harness: real NSQ processes for integration tests, and polling helpers. */
export { freePort, freePorts, LOOPBACK } from './free-port.js';
export { buildGoProgram, findGo, type GoProgram } from './go-program.js';
export { nsqBinary, repoRoot, type NsqProgram } from './nsq-binaries.js';
export { NsqBinaryNotFoundError } from './nsq-binary-not-found.error.js';
export { startNsqCluster, type NsqCluster, type NsqClusterOptions } from './nsq-cluster.js';
export { nsqHttp, nsqHttpJson } from './nsq-http.js';
export { NsqHttpError } from './nsq-http.error.js';
export { NsqProcess, startOnFreePorts, type NsqProcessExit, type NsqProcessSpec } from './nsq-process.js';
export { NsqProcessStartError } from './nsq-process-start.error.js';
export type { ChannelStats, ClientStats, LookupdProducer, NsqdStats, TopicStats } from './nsq-stats.js';
export { NsqNode } from './nsq-node.js';
export { NsqdNode, type NsqdNodeOptions } from './nsqd-node.js';
export { NsqLookupdNode } from './nsqlookupd-node.js';
export { OutputTail } from './output-tail.js';
export { liveChildPids, reapOnExit } from './process-reaper.js';
export { waitFor, waitForValue, type WaitForOptions } from './wait-for.js';
export { WaitForTimeoutError } from './wait-for-timeout.error.js';
