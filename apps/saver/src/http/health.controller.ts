import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { ServerNsq } from 'nestjs-transport-nsq';
import { NsqHealthIndicator } from 'nestjs-transport-nsq/health';
import { NSQ_SERVERS } from '../nsq-servers.js';
import { DatabaseHealthIndicator } from './database.health.js';

/** `GET /health`: 200 when both consumers are subscribed and the database answers, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nsq: NsqHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
    @Inject(NSQ_SERVERS) private readonly servers: Readonly<Record<string, ServerNsq>>,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.nsq.isHealthy('nsq', { servers: this.servers }), () => this.database.isHealthy('database')]);
  }
}
