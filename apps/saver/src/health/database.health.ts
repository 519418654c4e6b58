import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { SaverDatabase } from '../database/saver-database.js';

/** The database answers `SELECT 1`. (NSQ's health is the transport's own NsqHealthIndicator.) */
@Injectable()
export class DatabaseHealthIndicator {
  constructor(
    private readonly health: HealthIndicatorService,
    private readonly database: SaverDatabase,
  ) {}

  async isHealthy(key = 'database') {
    const indicator = this.health.check(key);
    try {
      await this.database.ping();
      return indicator.up({ kind: this.database.kind });
    } catch (error) {
      return indicator.down({ kind: this.database.kind, message: error instanceof Error ? error.message : String(error) });
    }
  }
}
