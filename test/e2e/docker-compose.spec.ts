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
  depends_on?: string[] | Record<string, { condition: string }>;
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const compose = parse(readFileSync(join(repoRoot(), 'docker-compose.yml'), 'utf8')) as ComposeFile;
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
/** `--flag=value` arguments of a service's command. */
const flags = (name: string): Record<string, string> =>
  Object.fromEntries(command(name).flatMap((arg) => (/^--[^=]+=/.test(arg) ? [[arg.slice(2, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]] : [])));
const portOf = (address: string): string => address.slice(address.lastIndexOf(':') + 1);
const hostOf = (address: string): string => address.replace(/^https?:\/\//, '').slice(0, address.replace(/^https?:\/\//, '').lastIndexOf(':'));
/** Container ports published by a service. */
const publishedPorts = (name: string): string[] => (service(name).ports ?? []).map((mapping) => portOf(String(mapping)));
const dependsOn = (name: string): string[] => {
  const d = service(name).depends_on ?? [];
  return Array.isArray(d) ? d : Object.keys(d);
};
const outDir = (app: string): string => (JSON.parse(readFileSync(join(repoRoot(), 'apps', app, 'tsconfig.app.json'), 'utf8')) as { compilerOptions: { outDir: string } }).compilerOptions.outDir;

describe('docker-compose.yml agrees with the apps', () => {
  it('has the six services on the pinned images', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['agent', 'nsqadmin', 'nsqd', 'nsqlookupd', 'postgres', 'saver']);
    for (const name of ['nsqlookupd', 'nsqd', 'nsqadmin']) expect(service(name).image).toBe('nsqio/nsq:v1.3.0');
    expect(service('postgres').image).toBe('postgres:16');
    expect(service('agent').image).toBe('node:20');
    expect(service('saver').image).toBe('node:20');
  });

  it('runs NSQ wired together: nsqd and nsqadmin find nsqlookupd, nsqd is reachable by its service name', () => {
    expect(command('nsqlookupd')[0]).toBe('/nsqlookupd');
    expect(command('nsqd')[0]).toBe('/nsqd');
    expect(command('nsqadmin')[0]).toBe('/nsqadmin');
    const lookupd = flags('nsqlookupd');
    const nsqd = flags('nsqd');
    expect(nsqd['lookupd-tcp-address']).toBe(`nsqlookupd:${portOf(lookupd['tcp-address']!)}`);
    expect(flags('nsqadmin')['lookupd-http-address']).toBe(`nsqlookupd:${portOf(lookupd['http-address']!)}`);
    expect(nsqd['broadcast-address']).toBe('nsqd');
    expect(publishedPorts('nsqd')).toEqual(expect.arrayContaining([portOf(nsqd['tcp-address']!), portOf(nsqd['http-address']!)]));
    expect(publishedPorts('nsqadmin')).toContain(portOf(flags('nsqadmin')['http-address']!));
  });

  it.each([
    ['agent', 'apps/agent'],
    ['saver', 'apps/saver'],
  ])('runs the compiled %s from its tsconfig outDir', (name, appDir) => {
    const [node, entry] = command(name);
    expect(node).toBe('node');
    expect(join(appDir, outDir(name), 'main.js')).toBe(join(entry!));
  });

  it('gives the agent only variables it knows, valid ones, pointing at the nsqd service', () => {
    const agentEnv = env('agent');
    const known = Object.keys(new AgentEnvironment());
    expect(Object.keys(agentEnv).filter((key) => !known.includes(key))).toEqual([]);
    const config = validateAgentConfig(agentEnv).agent;
    const nsqd = flags('nsqd');
    expect(config.nsqdTcpAddresses).toEqual([`nsqd:${portOf(nsqd['tcp-address']!)}`]);
    expect(config.nsqdHttpAddresses).toEqual([`nsqd:${portOf(nsqd['http-address']!)}`]);
    expect(config.host).toBe('0.0.0.0');
    expect(publishedPorts('agent')).toContain(String(config.port));
    expect(dependsOn('agent')).toContain('nsqd');
  });

  it('gives the saver only variables it knows, valid ones, pointing at lookupd, nsqd and postgres', () => {
    const saverEnv = env('saver');
    const known = [...Object.keys(new SaverEnvironment()), 'DATABASE_URL'];
    expect(Object.keys(saverEnv).filter((key) => !known.includes(key))).toEqual([]);
    const config = validateSaverConfig(saverEnv).saver;
    expect(config.lookupdHttpAddresses.map(hostOf)).toEqual(['nsqlookupd']);
    expect(config.lookupdHttpAddresses.map(portOf)).toEqual([portOf(flags('nsqlookupd')['http-address']!)]);
    expect(config.nsqdTcpAddresses).toEqual([`nsqd:${portOf(flags('nsqd')['tcp-address']!)}`]);
    expect(config.host).toBe('0.0.0.0');
    expect(publishedPorts('saver')).toContain(String(config.port));
    expect(dependsOn('saver')).toEqual(expect.arrayContaining(['postgres', 'nsqd', 'nsqlookupd']));

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
});
