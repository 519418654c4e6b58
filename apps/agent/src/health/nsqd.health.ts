import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { NsqStatus, type ClientNsq } from 'nestjs-transport-nsq';
import { AGENT_CONFIG, type AgentConfig } from '../config/agent.config.js';
import { NSQ_CLIENT } from '../topics.js';

/** NSQ is up when every configured nsqd answers /ping; the client's connection status is reported alongside. */
@Injectable()
export class NsqdHealthIndicator {
  private clientStatus: NsqStatus | 'idle' = 'idle';

  constructor(
    private readonly health: HealthIndicatorService,
    @Inject(AGENT_CONFIG) private readonly config: AgentConfig,
    @Inject(NSQ_CLIENT) client: ClientNsq,
  ) {
    client.status.subscribe((status) => (this.clientStatus = status));
  }

  async check(key = 'nsq') {
    const indicator = this.health.check(key);
    const pings = await Promise.all(
      this.config.nsqdHttpAddresses.map(async (address) => {
        try {
          const response = await fetch(`http://${address}/ping`, { signal: AbortSignal.timeout(1000) });
          return { address, ok: response.ok };
        } catch {
          return { address, ok: false };
        }
      }),
    );
    const down = pings.filter((p) => !p.ok).map((p) => p.address);
    const data = { nsqd: this.config.nsqdHttpAddresses, client: this.clientStatus };
    return down.length === 0 ? indicator.up(data) : indicator.down({ ...data, unreachable: down });
  }
}
