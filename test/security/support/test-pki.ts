import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its key, as PEM files on disk (for nsqd) and PEM strings (for the client). */
export interface Issued {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface TestCa extends Issued {
  /** Issues a certificate signed by this CA; `altNames` like `['IP:127.0.0.1', 'DNS:nsqd.test']`; empty = a client certificate. */
  issue(name: string, altNames: readonly string[]): Promise<Issued>;
}

/**
 * A throwaway PKI for one test file, generated with openssl in a temp directory
 * (nothing committed): `const pki = await TestPki.create(); const ca = await pki.ca('root');`.
 */
export class TestPki {
  private constructor(readonly dir: string) {}

  static async create(): Promise<TestPki> {
    return new TestPki(await mkdtemp(join(tmpdir(), 'nsq-pki-')));
  }

  async ca(name: string): Promise<TestCa> {
    const keyFile = join(this.dir, `${name}.key`);
    const certFile = join(this.dir, `${name}.crt`);
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${name} test CA`, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
    const issued = await this.read(certFile, keyFile);
    return { ...issued, issue: (leaf, altNames) => this.issue(name, certFile, keyFile, leaf, altNames) };
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  private async issue(caName: string, caCert: string, caKey: string, name: string, altNames: readonly string[]): Promise<Issued> {
    const base = join(this.dir, `${caName}-${name}`);
    const extFile = `${base}.ext`;
    const usage = altNames.length > 0 ? 'serverAuth' : 'clientAuth';
    await writeFile(extFile, [`extendedKeyUsage=${usage}`, 'basicConstraints=CA:FALSE', ...(altNames.length > 0 ? [`subjectAltName=${altNames.join(',')}`] : [])].join('\n'));
    await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${name}`]);
    await run('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-out', `${base}.crt`, '-days', '2', '-extfile', extFile]);
    return this.read(`${base}.crt`, `${base}.key`);
  }

  private async read(certFile: string, keyFile: string): Promise<Issued> {
    return { certFile, keyFile, cert: await readFile(certFile, 'utf8'), key: await readFile(keyFile, 'utf8') };
  }
}
