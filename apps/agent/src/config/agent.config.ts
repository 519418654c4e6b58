import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { LogLevelSetting } from '../logging.js';
import { AgentEnvironment } from './agent-environment.js';

export { AgentEnvironment };

/**
 * The validated configuration the agent runs with. Also its injection token:
 * `constructor(private readonly config: AgentConfig)` in any provider.
 */
export abstract class AgentConfig {
  abstract readonly host: string;
  abstract readonly port: number;
  abstract readonly nsqdTcpAddresses: readonly string[];
  abstract readonly nsqdHttpAddresses: readonly string[];
  abstract readonly publishTimeoutMs: number;
  abstract readonly paymentTimeoutMs: number;
  abstract readonly flashSale: { readonly maxBacklog: number; readonly statsCacheMs: number };
  abstract readonly logLevel: LogLevelSetting;
}

/** What `validateAgentConfig` hands to ConfigModule: one namespace, an object (so nothing is copied back into process.env). */
export interface AgentConfigNamespace {
  readonly agent: AgentConfig;
}

/** `ConfigModule.forRoot({ validate })`: validates the environment once; throws one error naming every invalid variable. */
export function validateAgentConfig(env: Record<string, unknown>): AgentConfigNamespace {
  const known = Object.fromEntries(Object.keys(new AgentEnvironment()).filter((key) => env[key] !== undefined && env[key] !== '').map((key) => [key, env[key]]));
  const parsed = plainToInstance(AgentEnvironment, known, { enableImplicitConversion: true, exposeDefaultValues: true });
  const errors = validateSync(parsed, { forbidUnknownValues: false });
  if (errors.length > 0) {
    const details = errors.map((e) => `${e.property}=${JSON.stringify(env[e.property])}: ${Object.values(e.constraints ?? {}).join('; ')}`);
    throw new Error(`Invalid agent configuration: ${details.join(', ')}`);
  }
  const agent: AgentConfig = Object.freeze({
    host: parsed.AGENT_HOST,
    port: parsed.AGENT_PORT,
    nsqdTcpAddresses: Object.freeze([...parsed.NSQD_TCP_ADDRESSES]),
    nsqdHttpAddresses: Object.freeze([...parsed.NSQD_HTTP_ADDRESSES]),
    publishTimeoutMs: parsed.NSQ_PUBLISH_TIMEOUT_MS,
    paymentTimeoutMs: parsed.ORDER_PAYMENT_TIMEOUT_MS,
    flashSale: Object.freeze({ maxBacklog: parsed.FLASH_SALE_MAX_BACKLOG, statsCacheMs: parsed.FLASH_SALE_STATS_CACHE_MS }),
    logLevel: parsed.LOG_LEVEL,
  });
  return { agent };
}
