import { startNsqCluster, type NsqCluster } from '../../support/nsq-cluster.js';
import type { NsqdNode } from '../../support/nsqd-node.js';
import { TestPki } from './test-pki.js';

/** One nsqd that offers TLS, and the CA a client needs to verify it. */
export interface TlsNsqd {
  readonly nsqd: NsqdNode;
  /** PEM of the throwaway CA that signed nsqd's certificate (for the client's `tls.ca`). */
  readonly ca: string;
  /** Kills nsqd and removes its data and the certificates. */
  close(): Promise<void>;
}

/**
 * Starts an nsqd with a certificate for 127.0.0.1 from a CA generated for this
 * test file. TLS is offered, not required, so plain and TLS clients share it.
 *
 * @example
 * const { nsqd, ca, close } = await startTlsNsqd('drain');
 * new ServerNsq({ nsqdTcpAddresses: [nsqd.tcpAddress], tls: { ca } });
 */
export async function startTlsNsqd(name: string, nsqdArgs: readonly string[] = []): Promise<TlsNsqd> {
  const pki = await TestPki.create();
  let cluster: NsqCluster | undefined;
  try {
    const ca = await pki.ca(name);
    const server = await ca.issue('nsqd', ['IP:127.0.0.1']);
    cluster = await startNsqCluster({ nsqds: 0, lookupd: false, nsqdArgs });
    const nsqd = await cluster.addNsqd([`--tls-cert=${server.certFile}`, `--tls-key=${server.keyFile}`]);
    const started = cluster;
    return {
      nsqd,
      ca: ca.cert,
      close: async () => {
        await started.close();
        await pki.cleanup();
      },
    };
  } catch (error) {
    await cluster?.close();
    await pki.cleanup();
    throw error;
  }
}
