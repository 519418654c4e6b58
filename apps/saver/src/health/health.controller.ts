import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ServerNsq } from 'nestjs-transport-nsq';
import { NsqHealthIndicator } from 'nestjs-transport-nsq/health';
import { DatabaseHealthIndicator } from './database.health.js';

/** `GET /health`: 200 when every subscription is up and the database answers, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nsq: NsqHealthIndicator,
    private readonly database: DatabaseHealthIndicator,
    private readonly server: ServerNsq,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.nsq.isHealthy('nsq', { servers: this.server }), () => this.database.isHealthy('database')]);
  }
}
