import { type ReportCreatedEvent, TOPICS } from '@app/contracts';
import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { EventPublisher } from '../nsq/event-publisher.service.js';
import { CreateReportDto } from './create-report.dto.js';

/** The seed's publishing side: a report becomes a `report.created` event. */
@Controller('reports')
export class ReportsController {
  constructor(private readonly events: EventPublisher) {}

  /** 202 with the event id once nsqd has the event; the saver stores it asynchronously. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async create(@Body() report: CreateReportDto): Promise<{ id: string }> {
    const id = randomUUID();
    const event: ReportCreatedEvent = { id, ...report, priority: report.priority ?? 'normal', createdAt: new Date().toISOString() };
    await this.events.publish(TOPICS.reportCreated, event);
    return { id };
  }
}
