/**
 * The span and metric catalog (README, "Observability"): every name the
 * transport writes, in one place. Attribute names follow OpenTelemetry's
 * messaging semantic conventions; names under `messaging.nsq.` / `nsq.` are
 * NSQ's own, as `messaging.kafka.*` or `messaging.rabbitmq.*` are theirs.
 */
export const NSQ_TELEMETRY_SCOPE = 'nestjs-transport-nsq';

export const NSQ_SPAN_ATTRIBUTE = {
  system: 'messaging.system',
  operationType: 'messaging.operation.type',
  operationName: 'messaging.operation.name',
  destination: 'messaging.destination.name',
  consumerGroup: 'messaging.consumer.group.name',
  messageId: 'messaging.message.id',
  bodySize: 'messaging.message.body.size',
  batchCount: 'messaging.batch.message_count',
  /** Deliveries of the message so far, this one included (nsqd's count; timeouts count too). */
  attempts: 'messaging.nsq.message.attempts',
  errorType: 'error.type',
  /** How the message was settled: `finished`, `requeued`, `dead_lettered`. */
  outcome: 'messaging.nsq.outcome',
  requeueDelay: 'messaging.nsq.requeue.delay_ms',
  deadLetterReason: 'messaging.nsq.dead_letter.reason',
  deadLetterTopic: 'messaging.nsq.dead_letter.topic',
} as const;

export const NSQ_SPAN_EVENT = {
  requeue: 'nsq.requeue',
  deadLetter: 'nsq.dead_letter',
} as const;

export const NSQ_SYSTEM = 'nsq';

export const NSQ_METRIC = {
  sent: 'messaging.client.sent.messages',
  publishDuration: 'messaging.client.operation.duration',
  consumed: 'messaging.client.consumed.messages',
  processDuration: 'messaging.process.duration',
  finished: 'nsq.messages.finished',
  requeued: 'nsq.messages.requeued',
  deadLettered: 'nsq.messages.dead_lettered',
  inFlight: 'nsq.messages.in_flight',
  connections: 'nsq.connections',
} as const;

/** Settlement outcomes, as span attribute and metric label values. */
export type NsqOutcome = 'finished' | 'requeued' | 'dead_lettered';
