import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { NsqStatus, type ServerNsq } from 'nestjs-transport-nsq';
import { SaverStore } from '../store/saver.store.js';

/** Injection token of the saver's ServerNsq instances (main and flash sale). */
export const NSQ_SERVERS = Symbol('NSQ_SERVERS');

/** NSQ: every consumer subscribed on an nsqd. Database: answers `SELECT 1`. */
@Injectable()
export class SaverHealthIndicators {
  private readonly statuses = new Map<string, NsqStatus | 'starting'>();

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly store: SaverStore,
    @Inject(NSQ_SERVERS) servers: Record<string, ServerNsq>,
  ) {
    for (const [name, server] of Object.entries(servers)) {
      this.statuses.set(name, 'starting');
      server.status.subscribe((status) => this.statuses.set(name, status));
    }
  }

  nsq(key = 'nsq') {
    const consumers = Object.fromEntries(this.statuses);
    const ok = [...this.statuses.values()].every((status) => status === NsqStatus.CONNECTED);
    return ok ? this.health.check(key).up({ consumers }) : this.health.check(key).down({ consumers });
  }

  async database(key = 'database') {
    const indicator = this.health.check(key);
    try {
      await this.store.ping();
      return indicator.up({ kind: this.store.databaseKind });
    } catch (error) {
      return indicator.down({ kind: this.store.databaseKind, message: error instanceof Error ? error.message : String(error) });
    }
  }
}
