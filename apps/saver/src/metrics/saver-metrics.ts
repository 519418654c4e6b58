import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { SaverConfig } from '../config/saver.config.js';
import { NsqdStatsGauges } from './nsqd-stats.gauges.js';

/**
 * The saver's metrics: one MeterProvider read by a Prometheus exporter (no
 * server of its own: `GET /metrics` on the saver's HTTP port serves it). The
 * NSQ consumer records the transport's catalog into it (`metrics: {
 * meterProvider }`), and the nsqd gauges read `/stats` at each scrape.
 *
 * Not the global meter provider: several savers may share one process (tests, the demo).
 */
@Injectable()
export class SaverMetrics implements OnModuleDestroy {
  readonly exporter = new PrometheusExporter({ preventServerStart: true });
  readonly meterProvider = new MeterProvider({ readers: [this.exporter] });

  constructor(config: SaverConfig) {
    new NsqdStatsGauges(config.lookupdHttpAddresses).register(this.meterProvider.getMeter('saver-nsqd-stats'));
  }

  async onModuleDestroy(): Promise<void> {
    await this.meterProvider.shutdown();
  }
}
