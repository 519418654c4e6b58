import type { MessageHandler } from '@nestjs/microservices';
import { NsqHandlerConfigError } from '../errors/nsq-handler-config.error.js';
import { isValidNsqName } from '../nsq/nsq-names.js';
import { closestName } from '../options/closest-name.js';
import type { OptionKeys } from '../options/known-option-keys.js';

/** Extras an `@EventPattern` may carry for this transport. */
export interface NsqEventPatternExtras {
  /** Channel this handler consumes its topic on; overrides the server's `channel`. */
  readonly channel?: string;
  /** Messages in flight for this (topic, channel); overrides the server's `maxInFlight`. */
  readonly maxInFlight?: number;
}

/** Every key of {@link NsqEventPatternExtras}: any other key fails `listen()`, naming the closest of these. */
const EXTRAS_KEYS = { channel: true, maxInFlight: true } as const satisfies OptionKeys<NsqEventPatternExtras>;

/** What of the server's options shapes its routes. */
export interface NsqRouteDefaults {
  /** For handlers whose extras name no channel. */
  readonly channel?: string | undefined;
  /** The server's own dead-letter topic, which none of its handlers may consume. */
  readonly deadLetterTopic?: string | undefined;
}

/** One (topic, channel) subscription and the handlers that each run once per message on it. */
export interface NsqRoute {
  readonly topic: string;
  readonly channel: string;
  readonly handlers: readonly MessageHandler[];
  /** From the handlers' extras; undefined = the server's `maxInFlight`. */
  readonly maxInFlight?: number;
  /** A `@MessagePattern` route: its messages are requests, always enveloped, answered (WIRE.md §5). */
  readonly request?: boolean;
}

/**
 * Turns Nest's handler registry into subscriptions. Nest chains handlers of
 * one pattern (`handler.next`) and the head would run the whole chain; here
 * the chain is split so each handler runs only on its own channel.
 */
export function buildNsqRoutes(registry: ReadonlyMap<string, MessageHandler>, defaults: NsqRouteDefaults = {}): NsqRoute[] {
  const routes = new Map<string, { topic: string; channel: string; handlers: MessageHandler[]; maxInFlight?: number; request?: boolean }>();
  for (const [pattern, head] of registry) {
    if (!isValidNsqName(pattern)) {
      throw new NsqHandlerConfigError(`@EventPattern(${JSON.stringify(pattern)}) is not a valid NSQ topic name: use 1..64 characters of [.a-zA-Z0-9_-], optionally ending in "#ephemeral"`, pattern);
    }
    if (pattern === defaults.deadLetterTopic) {
      // Its poison would be dead-lettered to the topic it came from, and consumed again: a loop.
      throw new NsqHandlerConfigError(
        `@EventPattern('${pattern}') consumes this server's own deadLetterTopic; dead-lettered messages would come back to it in a loop. Consume it from another server, or change deadLetterTopic`,
        pattern,
      );
    }
    for (const handler of unchain(head)) {
      const extras = (handler.extras ?? {}) as NsqEventPatternExtras;
      assertKnownExtras(pattern, extras);
      const channel = extras.channel ?? defaults.channel;
      if (channel === undefined) {
        throw new NsqHandlerConfigError(
          `@EventPattern('${pattern}') has no channel: give it one (@EventPattern('${pattern}', { channel: 'name' })) or set the server's "channel" option`,
          pattern,
        );
      }
      if (!isValidNsqName(channel)) {
        throw new NsqHandlerConfigError(`@EventPattern('${pattern}') has an invalid channel name ${JSON.stringify(channel)}`, pattern);
      }
      const key = `${pattern}\u0000${channel}`;
      let route = routes.get(key);
      if (!route) routes.set(key, (route = { topic: pattern, channel, handlers: [], ...(head.isEventHandler ? {} : { request: true }) }));
      if (extras.maxInFlight !== undefined) {
        if (!Number.isInteger(extras.maxInFlight) || extras.maxInFlight < 1) {
          throw new NsqHandlerConfigError(`@EventPattern('${pattern}') has an invalid maxInFlight ${JSON.stringify(extras.maxInFlight)}: expected an integer >= 1`, pattern);
        }
        if (route.maxInFlight !== undefined && route.maxInFlight !== extras.maxInFlight) {
          throw new NsqHandlerConfigError(`handlers of ${pattern}/${channel} ask for different maxInFlight values (${route.maxInFlight} and ${extras.maxInFlight}); they share one subscription`, pattern);
        }
        route.maxInFlight = extras.maxInFlight;
      }
      route.handlers.push(handler);
    }
  }
  return [...routes.values()];
}

/** A mistyped key (`chanel`) would otherwise subscribe on the default channel without a word. */
function assertKnownExtras(pattern: string, extras: object): void {
  for (const key of Object.keys(extras)) {
    if (Object.hasOwn(EXTRAS_KEYS, key)) continue;
    const hint =
      key === 'transportId'
        ? `; a transport is chosen by the second argument: @EventPattern('${pattern}', transportId, { channel })`
        : ((suggestion) => (suggestion === undefined ? `; valid keys: ${Object.keys(EXTRAS_KEYS).join(', ')}` : `; did you mean "${suggestion}"?`))(closestName(key, Object.keys(EXTRAS_KEYS)));
    throw new NsqHandlerConfigError(`@EventPattern('${pattern}') has an unknown extras key "${key}"${hint}`, pattern);
  }
}

function unchain(head: MessageHandler): MessageHandler[] {
  const handlers: MessageHandler[] = [];
  for (let handler: MessageHandler | undefined = head; handler; ) {
    const next = handler.next as MessageHandler | undefined;
    handler.next = undefined;
    handlers.push(handler);
    handler = next;
  }
  return handlers;
}
