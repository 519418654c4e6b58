import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { AgentEnvironment, validateAgentConfig } from '../../apps/agent/src/config/agent.config.js';
import { SaverEnvironment, validateSaverConfig } from '../../apps/saver/src/config/saver.config.js';
import { repoRoot } from '../support/nsq-binaries.js';

interface ComposeService {
  image?: string;
  command?: string[] | string;
  environment?: Record<string, string | number>;
  ports?: string[];
  volumes?: string[];
  depends_on?: string[] | Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
  volumes?: Record<string, unknown>;
}

// `merge`: the saver replicas share one definition through a YAML merge key, as Docker Compose reads it.
const compose = parse(readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8'), { merge: true }) as ComposeFile;
const service = (name: string): ComposeService => {
  const found = compose.services[name];
  if (!found) throw new Error(`docker-compose.yml has no service "${name}"`);
  return found;
};
const env = (name: string): Record<string, string> => Object.fromEntries(Object.entries(service(name).environment ?? {}).map(([k, v]) => [k, String(v)]));
const command = (name: string): string[] => {
  const c = service(name).command ?? [];
  return Array.isArray(c) ? c : c.split(/\s+/);
};
/** Every value of a `--flag=value` argument of a service's command, in order (nsqd repeats --lookupd-tcp-address). */
const flagValues = (name: string, flag: string): string[] => command(name).flatMap((arg) => (arg.startsWith(`--${flag}=`) ? [arg.slice(flag.length + 3)] : []));
/** The one value of a `--flag=value` argument; fails when it is missing or repeated. */
const flag = (name: string, flagName: string): string => {
  const values = flagValues(name, flagName);
  if (values.length !== 1) throw new Error(`${name}: expected one --${flagName}, found ${values.length}`);
  return values[0]!;
};
const portOf = (address: string): string => address.slice(address.lastIndexOf(':') + 1);
const hostOf = (address: string): string => address.replace(/^https?:\/\//, '').slice(0, address.replace(/^https?:\/\//, '').lastIndexOf(':'));
/** Container ports published by a service. */
const publishedPorts = (name: string): string[] => (service(name).ports ?? []).map((mapping) => portOf(String(mapping)));
/** Host ports a service takes (`host:container`). */
const hostPorts = (name: string): string[] => (service(name).ports ?? []).map((mapping) => String(mapping).split(':').slice(-2)[0]!);
const dependsOn = (name: string): string[] => {
  const d = service(name).depends_on ?? [];
  return Array.isArray(d) ? d : Object.keys(d);
};
const outDir = (app: string): string => (JSON.parse(readFileSync(join(repoRoot(), 'apps', app, 'tsconfig.app.json'), 'utf8')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;

const LOOKUPDS = ['nsqlookupd-1', 'nsqlookupd-2'];
const NSQDS = ['nsqd-1', 'nsqd-2', 'nsqd-3'];
const SAVERS = ['saver-1', 'saver-2'];
const lookupdTcp = (name: string): string => `${name}:${portOf(flag(name, 'tcp-address'))}`;
const lookupdHttp = (name: string): string => `${name}:${portOf(flag(name, 'http-address'))}`;
const nsqdTcp = (name: string): string => `${flag(name, 'broadcast-address')}:${portOf(flag(name, 'tcp-address'))}`;
const nsqdHttp = (name: string): string => `${flag(name, 'broadcast-address')}:${portOf(flag(name, 'http-address'))}`;

describe('docker-compose.yml agrees with the apps', () => {
  it('runs the scale-out topology on the pinned images: two lookupds, three nsqds, two saver replicas', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent', 'nsqadmin', ...NSQDS, ...LOOKUPDS, 'postgres', ...SAVERS].sort());
    for (const name of [...LOOKUPDS, ...NSQDS, 'nsqadmin']) expect(service(name).image).toBe('nsqio/nsq:v1.3.0');
    expect(service('postgres').image).toBe('postgres:16');
    for (const name of ['agent', ...SAVERS]) expect(service(name).image).toBe('node:20');
  });

  it('registers every nsqd with every lookupd, under its own service name, data volume and node id', () => {
    for (const name of LOOKUPDS) expect(command(name)[0]).toBe('/nsqlookupd');
    for (const name of NSQDS) {
      expect(command(name)[0]).toBe('/nsqd');
      expect(flagValues(name, 'lookupd-tcp-address').sort()).toEqual(LOOKUPDS.map(lookupdTcp).sort());
      // What lookupd hands consumers must resolve on the compose network to this very service.
      expect(flag(name, 'broadcast-address')).toBe(name);
      expect(publishedPorts(name)).toEqual(expect.arrayContaining([portOf(flag(name, 'tcp-address')), portOf(flag(name, 'http-address'))]));
      expect(dependsOn(name)).toEqual(expect.arrayContaining(LOOKUPDS));
      // Nothing acknowledged is only in memory (see the scale-out scenario).
      expect(flag(name, 'mem-queue-size')).toBe('0');
    }
    const distinct = (values: string[]) => new Set(values).size === values.length;
    expect(distinct(NSQDS.map((name) => flag(name, 'broadcast-address')))).toBe(true);
    expect(distinct(NSQDS.map((name) => flag(name, 'node-id')))).toBe(true);
    // Two nsqds must never share a data path: each mounts its own named volume there.
    const dataVolumes = NSQDS.map((name) => (service(name).volumes ?? []).find((v) => v.endsWith(`:${flag(name, 'data-path')}`))?.split(':')[0]);
    expect(dataVolumes.every((v) => v !== undefined && v in (compose.volumes ?? {}))).toBe(true);
    expect(distinct(dataVolumes as string[])).toBe(true);
  });

  it('shows every lookupd in nsqadmin', () => {
    expect(command('nsqadmin')[0]).toBe('/nsqadmin');
    expect(flagValues('nsqadmin', 'lookupd-http-address').sort()).toEqual(LOOKUPDS.map(lookupdHttp).sort());
    expect(publishedPorts('nsqadmin')).toContain(portOf(flag('nsqadmin', 'http-address')));
  });

  it('publishes every host port once', () => {
    const all = Object.keys(compose.services).flatMap(hostPorts);
    expect(all.length).toBeGreaterThan(0);
    expect(all.filter((port, i) => all.indexOf(port) !== i)).toEqual([]);
  });

  it.each([
    ['agent', 'agent', 'apps/agent'],
    ['saver-1', 'saver', 'apps/saver'],
    ['saver-2', 'saver', 'apps/saver'],
  ])('runs the compiled %s from its tsconfig outDir', (name, app, appDir) => {
    const [node, entry] = command(name);
    expect(node).toBe('node');
    expect(join(appDir, outDir(app), 'main.js')).toBe(join(entry!));
  });

  it('gives the agent only variables it knows, valid ones, listing every nsqd', () => {
    const agentEnv = env('agent');
    const known = Object.keys(new AgentEnvironment());
    expect(Object.keys(agentEnv).filter((key) => !known.includes(key))).toEqual([]);
    const config = validateAgentConfig(agentEnv).agent;
    expect(config.nsqdTcpAddresses).toEqual(NSQDS.map(nsqdTcp));
    // Same nsqds, same order: the agent reads /ping and /stats of the one it publishes to.
    expect(config.nsqdHttpAddresses).toEqual(NSQDS.map(nsqdHttp));
    expect(config.host).toBe('0.0.0.0');
    expect(publishedPorts('agent')).toContain(String(config.port));
    expect(dependsOn('agent')).toEqual(expect.arrayContaining([...NSQDS, ...SAVERS]));
  });

  it.each(SAVERS)('gives %s only variables it knows, valid ones, pointing at both lookupds and postgres', (name) => {
    const saverEnv = env(name);
    const known = [...Object.keys(new SaverEnvironment()), 'DATABASE_URL'];
    expect(Object.keys(saverEnv).filter((key) => !known.includes(key))).toEqual([]);
    const config = validateSaverConfig(saverEnv).saver;
    expect([...config.lookupdHttpAddresses].sort()).toEqual(LOOKUPDS.map(lookupdHttp).sort());
    expect(config.lookupdHttpAddresses.map(hostOf).sort()).toEqual([...LOOKUPDS].sort());
    expect(config.host).toBe('0.0.0.0');
    expect(publishedPorts(name)).toContain(String(config.port));
    expect(dependsOn(name)).toEqual(expect.arrayContaining(['postgres', ...NSQDS, ...LOOKUPDS]));

    const pg = env('postgres');
    const url = new URL(config.database.url!);
    expect({ host: url.hostname, port: url.port || '5432', user: url.username, password: url.password, db: url.pathname.slice(1) }).toEqual({
      host: 'postgres',
      port: '5432',
      user: pg.POSTGRES_USER,
      password: pg.POSTGRES_PASSWORD,
      db: pg.POSTGRES_DB,
    });
  });

  it('makes the savers replicas of one consumer: same channel, same database, same settings', () => {
    const [first, ...rest] = SAVERS.map(env);
    for (const other of rest) expect(other).toEqual(first);
    expect(validateSaverConfig(first!).saver.channel).toBeTruthy();
  });
});
