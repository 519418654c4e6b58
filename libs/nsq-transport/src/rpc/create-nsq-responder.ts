import type { LoggerService } from '@nestjs/common';
import { NSQD_LIMITS } from '../constants.js';
import { serializerFor } from '../nsq/nsq-codecs.js';
import { NsqProducer } from '../nsq/nsq-producer.js';
import { toNsqjsConnectionConfig } from '../nsq/nsqjs/index.js';
import type { ResolvedServerNsqOptions } from '../options/resolve-server-options.js';
import { NsqResponder, type NsqResponderHost } from './nsq-responder.js';

/** Bound of each reply's publish. */
const REPLY_PUBLISH_TIMEOUT_MS = 5_000;

/**
 * The server's responder: replies encoded with the server's codec, published
 * through one producer on the nsqds the server consumes from (created with
 * the first reply), coalescing concurrent replies into MPUBs per reply topic.
 */
export function createNsqResponder(host: NsqResponderHost, options: ResolvedServerNsqOptions, nsqdAddresses: () => readonly string[], logger: Pick<LoggerService, 'log' | 'error'>): NsqResponder {
  return new NsqResponder(
    host,
    serializerFor(options.codec),
    () =>
      new NsqProducer(
        {
          addresses: nsqdAddresses(),
          config: toNsqjsConnectionConfig(options),
          publishTimeoutMs: REPLY_PUBLISH_TIMEOUT_MS,
          reconnectMinDelayMs: 100,
          reconnectMaxDelayMs: 5_000,
          maxPendingPublishes: 100_000,
          limits: { maxMessageSize: NSQD_LIMITS.maxMessageSize, maxBodySize: NSQD_LIMITS.maxBodySize },
          batching: { maxMessages: 200, maxBytes: NSQD_LIMITS.maxBodySize, lingerMs: 0 },
        },
        {
          onConnected: () => undefined,
          onDisconnected: () => undefined,
          onError: (address, error, failures) => {
            if ((failures & (failures - 1)) === 0) logger.error(`reply publisher, nsqd ${address}: ${error.message}`);
          },
          onAvailabilityChange: () => undefined,
        },
      ),
    logger,
  );
}
