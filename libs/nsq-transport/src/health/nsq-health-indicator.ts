import { Injectable } from '@nestjs/common';
import { type HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import type { Observable } from 'rxjs';
import { NsqStatus } from '../events/nsq.events.js';
import type { NsqHealthCheckOptions } from './nsq-health-check-options.interface.js';
import { resolveHealthCheckOptions } from './resolve-health-check-options.js';

/** A client or server's last status; `idle` before it ever reported one. */
export type NsqHealthStatus = NsqStatus | 'idle';

/** What the indicator reports under its key, besides `status`. */
export interface NsqHealthDetails {
  /** Each client's status (`idle`: not connected yet). */
  readonly clients?: Readonly<Record<string, NsqHealthStatus>>;
  /** Each server's status (`idle`: `listen()` not started yet). */
  readonly servers?: Readonly<Record<string, NsqHealthStatus>>;
  /** Each nsqd's `/ping` answer. */
  readonly nsqd?: Readonly<Record<string, 'up' | 'down'>>;
}

/**
 * A health indicator for @nestjs/terminus: NSQ clients connected (or not yet
 * started), servers subscribed, nsqds answering `/ping`.
 *
 * @example
 * ```ts
 * @Module({ imports: [TerminusModule], controllers: [HealthController], providers: [NsqHealthIndicator] })
 *
 * @Controller('health')
 * export class HealthController {
 *   constructor(private readonly health: HealthCheckService, private readonly nsq: NsqHealthIndicator, private readonly client: ClientNsq) {}
 *
 *   @Get() @HealthCheck()
 *   check() {
 *     return this.health.check([() => this.nsq.isHealthy('nsq', { clients: this.client, nsqdHttpAddresses: ['127.0.0.1:4151'] })]);
 *   }
 * }
 * ```
 */
@Injectable()
export class NsqHealthIndicator {
  constructor(private readonly health: HealthIndicatorService) {}

  /** Up when every client is connected or idle, every server connected and every nsqd answers `/ping`. */
  async isHealthy<const Key extends string>(key: Key, options: NsqHealthCheckOptions): Promise<HealthIndicatorResult<Key>> {
    const resolved = resolveHealthCheckOptions(options);
    const indicator = this.health.check(key);
    const clients = statusesOf(resolved.clients);
    const servers = statusesOf(resolved.servers);
    const pings = await Promise.all([...resolved.pings].map(async ([address, url]) => [address, (await answers(url, resolved.timeoutMs)) ? 'up' : 'down'] as const));
    const nsqd = Object.fromEntries(pings);
    const up =
      Object.values(clients).every((status) => status === NsqStatus.CONNECTED || status === 'idle') &&
      Object.values(servers).every((status) => status === NsqStatus.CONNECTED) &&
      pings.every(([, answer]) => answer === 'up');
    const details: NsqHealthDetails = {
      ...(resolved.clients.size > 0 ? { clients } : {}),
      ...(resolved.servers.size > 0 ? { servers } : {}),
      ...(resolved.pings.size > 0 ? { nsqd } : {}),
    };
    return up ? indicator.up({ ...details }) : indicator.down({ ...details });
  }
}

function statusesOf(sources: ReadonlyMap<string, { readonly status: Observable<NsqStatus> }>): Record<string, NsqHealthStatus> {
  return Object.fromEntries([...sources].map(([name, source]) => [name, currentStatus(source.status)]));
}

/** The latest status: `status` replays it synchronously to a new subscriber (a ReplaySubject of one). */
function currentStatus(status: Observable<NsqStatus>): NsqHealthStatus {
  let current: NsqHealthStatus = 'idle';
  status.subscribe((value) => (current = value)).unsubscribe();
  return current;
}

async function answers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    // Release the connection: the body ("OK") itself says nothing more.
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
