import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { SaverStore } from '../store/saver.store.js';

/** The database answers `SELECT 1`. (NSQ's health is the transport's own NsqHealthIndicator.) */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly store: SaverStore,
  ) {}

  async isHealthy(key = 'database') {
    const indicator = this.health.check(key);
    try {
      await this.store.ping();
      return indicator.up({ kind: this.store.databaseKind });
    } catch (error) {
      return indicator.down({ kind: this.store.databaseKind, message: error instanceof Error ? error.message : String(error) });
    }
  }
}
