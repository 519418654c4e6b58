import { Inject, Injectable } from '@nestjs/common';
import type { ClientNsq } from 'nestjs-transport-nsq';
import { lastValueFrom } from 'rxjs';
import { NSQ_CLIENT } from './nsq-client.token.js';

/** Publishes an event and resolves once nsqd acknowledged it (rejects with an NsqTransportError). */
@Injectable()
export class EventPublisher {
  constructor(@Inject(NSQ_CLIENT) private readonly client: ClientNsq) {}

  async publish(topic: string, payload: unknown): Promise<void> {
    await lastValueFrom(this.client.emit(topic, payload), { defaultValue: undefined });
  }
}
