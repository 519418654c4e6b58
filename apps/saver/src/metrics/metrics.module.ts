import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { SaverMetrics } from './saver-metrics.js';

/** `GET /metrics` (Prometheus). Global: the NSQ server's options factory injects {@link SaverMetrics} for its meter provider. */
@Global()
@Module({ controllers: [MetricsController], providers: [SaverMetrics], exports: [SaverMetrics] })
export class MetricsModule {}
