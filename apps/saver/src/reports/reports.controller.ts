import { Controller, Get, NotFoundException, Param, ParseUUIDPipe } from '@nestjs/common';
import { ReportRepository } from './report.repository.js';

/** `GET /reports/:id`: what was stored. */
@Controller('reports')
export class ReportsController {
  constructor(private readonly reports: ReportRepository) {}

  @Get(':id')
  async report(@Param('id', new ParseUUIDPipe()) id: string) {
    const report = await this.reports.find(id);
    if (!report) throw new NotFoundException(`report ${id} not stored (yet)`);
    return report;
  }
}
