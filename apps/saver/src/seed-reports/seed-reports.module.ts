import { Module } from '@nestjs/common';
import { SeedReportEvents } from './seed-report.events.js';
import { SeedReportRepository } from './seed-report.repository.js';
import { SeedReportsController } from './seed-reports.controller.js';

/** Reports in the seed's shapes, from its Go services. */
@Module({ controllers: [SeedReportEvents, SeedReportsController], providers: [SeedReportRepository] })
export class SeedReportsModule {}
