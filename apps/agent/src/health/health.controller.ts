import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { NsqdHealthIndicator } from './nsqd.health.js';

/** `GET /health`: 200 when NSQ is reachable, 503 otherwise (the agent has no database). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nsqd: NsqdHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.nsqd.check('nsq')]);
  }
}
