import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { SaverMetrics } from './saver-metrics.js';

/** `GET /metrics`: the transport's metrics catalog and nsqd's channel figures, in Prometheus's text format. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: SaverMetrics) {}

  @Get()
  scrape(@Req() request: Request, @Res() response: Response): void {
    this.metrics.exporter.getMetricsRequestHandler(request, response);
  }
}
