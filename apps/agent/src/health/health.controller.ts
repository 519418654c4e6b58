import { Controller, Get, Inject } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { ClientNsq } from 'nestjs-transport-nsq';
import { NsqHealthIndicator } from 'nestjs-transport-nsq/health';
import { AgentConfig } from '../config/agent.config.js';
import { NSQ_CLIENT } from '../nsq/nsq-client.token.js';

/** `GET /health`: 200 when every nsqd answers /ping and the publisher has not lost its connection, 503 otherwise (the agent has no database). */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly nsq: NsqHealthIndicator,
    @Inject(NSQ_CLIENT) private readonly publisher: ClientNsq,
    private readonly config: AgentConfig,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.nsq.isHealthy('nsq', { clients: { publisher: this.publisher }, nsqdHttpAddresses: this.config.nsqdHttpAddresses })]);
  }
}
