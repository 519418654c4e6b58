import { Module } from '@nestjs/common';
import { ReportEvents } from './report.events.js';
import { ReportRepository } from './report.repository.js';
import { ReportsController } from './reports.controller.js';

/** Reports from our agent: stored once each, readable over HTTP. */
@Module({ controllers: [ReportEvents, ReportsController], providers: [ReportRepository] })
export class ReportsModule {}
