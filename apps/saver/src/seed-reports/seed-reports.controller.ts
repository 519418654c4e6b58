import { Controller, Get, Query } from '@nestjs/common';
import { DataNameQuery } from './data-name.query.js';
import { EventNameQuery } from './event-name.query.js';
import { SeedReportRepository } from './seed-report.repository.js';

/** What arrived from the seed's Go services. */
@Controller('seed')
export class SeedReportsController {
  constructor(private readonly reports: SeedReportRepository) {}

  /** `GET /seed/event-reports?eventName=` */
  @Get('event-reports')
  eventReports(@Query() query: EventNameQuery) {
    return this.reports.findEventReports(query.eventName);
  }

  /** `GET /seed/accept-status-reports?dataName=` */
  @Get('accept-status-reports')
  acceptStatusReports(@Query() query: DataNameQuery) {
    return this.reports.findAcceptStatusReports(query.dataName);
  }
}
