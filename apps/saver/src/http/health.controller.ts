import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SaverHealthIndicators } from './saver.health.js';

/** `GET /health`: 200 when both consumers are subscribed and the database answers, 503 otherwise. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: SaverHealthIndicators,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.indicators.nsq('nsq'), () => this.indicators.database('database')]);
  }
}
