import { Global, Module } from '@nestjs/common';
import { EventPublisher } from './event-publisher.service.js';

/** The publisher every feature uses (the ClientNsq itself is registered in AgentModule). */
@Global()
@Module({ providers: [EventPublisher], exports: [EventPublisher] })
export class NsqModule {}
