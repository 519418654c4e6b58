import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { NsqHealthIndicator } from 'nestjs-transport-nsq/health';
import { DatabaseHealthIndicator } from './database.health.js';
import { HealthController } from './health.controller.js';

@Module({ imports: [TerminusModule], controllers: [HealthController], providers: [NsqHealthIndicator, DatabaseHealthIndicator] })
export class HealthModule {}
