import type { NsqDeserializer } from '../interfaces/nsq-codec.interface.js';
import { toNsqjsConnectionConfig, type NsqjsReaderConfig } from '../nsq/nsqjs/index.js';
import type { ResolvedClientNsqOptions } from '../options/resolve-client-options.js';
import { NsqRequester } from './nsq-requester.js';

/** Replies taken from nsqd before their FINs; each is finished on arrival, so this only paces nsqd. */
const REPLY_MAX_IN_FLIGHT = 500;

/**
 * A client's requester: its reply topic read on every nsqd of the client
 * (replies are published to the nsqds the responder consumes from: list the
 * same nsqds on both sides), nsqd's output buffer off so a reply is written
 * at once.
 */
export function createNsqRequester(options: ResolvedClientNsqOptions, deserializer: NsqDeserializer, onError: (error: Error) => void): NsqRequester {
  const config: NsqjsReaderConfig = {
    ...toNsqjsConnectionConfig(options),
    nsqdTCPAddresses: [...options.nsqdTcpAddresses],
    lookupdHTTPAddresses: [],
    lookupdPollInterval: Math.max(1, Math.round(options.reconnectMaxDelayMs / 1000)),
    maxInFlight: REPLY_MAX_IN_FLIGHT,
    maxAttempts: 0,
    outputBufferSize: -1,
  };
  return new NsqRequester(
    {
      config,
      requestTimeoutMs: options.requestTimeoutMs,
      maxPendingRequests: options.maxPendingRequests,
      reconnectMaxDelayMs: options.reconnectMaxDelayMs,
      deserializer,
    },
    { onError },
  );
}
