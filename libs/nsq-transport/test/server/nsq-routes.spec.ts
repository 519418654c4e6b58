import type { MessageHandler } from '@nestjs/microservices';
import { NsqHandlerConfigError } from '../../src/errors/nsq-handler-config.error.js';
import { buildNsqRoutes } from '../../src/server/nsq-routes.js';
import { catchError } from '../support/catch-error.js';

/** What Nest's addHandler registers: a function carrying isEventHandler, extras and next. */
function handler(extras?: Record<string, unknown>, isEventHandler = true): MessageHandler {
  const fn = async () => undefined;
  return Object.assign(fn, { isEventHandler, extras, next: undefined }) as unknown as MessageHandler;
}

/** Links handlers as Nest does for several handlers of one pattern: head.next → second → … */
function chain(...handlers: MessageHandler[]): MessageHandler {
  handlers.slice(0, -1).forEach((h, i) => (h.next = handlers[i + 1]));
  return handlers[0];
}

const registry = (entries: Array<[string, MessageHandler]>) => new Map(entries);

describe('buildNsqRoutes', () => {
  it('subscribes a handler on the default channel', () => {
    const h = handler();
    expect(buildNsqRoutes(registry([['orders', h]]), { channel: 'saver' })).toEqual([{ topic: 'orders', channel: 'saver', handlers: [h] }]);
  });

  it('gives each topic its own route', () => {
    const a = handler();
    const b = handler();
    expect(buildNsqRoutes(registry([['orders', a], ['payments#ephemeral', b]]), { channel: 'saver' })).toEqual([
      { topic: 'orders', channel: 'saver', handlers: [a] },
      { topic: 'payments#ephemeral', channel: 'saver', handlers: [b] },
    ]);
  });

  it("uses the channel from the handler's extras over the default", () => {
    const h = handler({ channel: 'billing' });
    expect(buildNsqRoutes(registry([['orders', h]]), { channel: 'saver' })).toEqual([{ topic: 'orders', channel: 'billing', handlers: [h] }]);
  });

  it('carries maxInFlight from the extras onto the route', () => {
    const a = handler({ channel: 'billing', maxInFlight: 7 });
    const b = handler({ channel: 'billing' });
    expect(buildNsqRoutes(registry([['orders', chain(a, b)]]), {})).toEqual([{ topic: 'orders', channel: 'billing', handlers: [a, b], maxInFlight: 7 }]);
  });

  it.each([0, -1, 1.5, '10'])('refuses maxInFlight %p in the extras', (maxInFlight) => {
    const error = catchError(NsqHandlerConfigError, () => buildNsqRoutes(registry([['orders', handler({ channel: 'c', maxInFlight })]]), {}));
    expect(error.message).toContain('maxInFlight');
  });

  it('refuses different maxInFlight values on one (topic, channel)', () => {
    const error = catchError(NsqHandlerConfigError, () =>
      buildNsqRoutes(registry([['orders', chain(handler({ channel: 'c', maxInFlight: 2 }), handler({ channel: 'c', maxInFlight: 3 }))]]), {}),
    );
    expect(error.pattern).toBe('orders');
  });

  it('falls back to the default when extras carry no channel', () => {
    const h = handler({ maxInFlight: 2 });
    expect(buildNsqRoutes(registry([['orders', h]]), { channel: 'saver' })[0].channel).toBe('saver');
  });

  it('refuses an unknown extras key, naming it and the closest valid one (a typo must not fall back to the default channel)', () => {
    const error = catchError(NsqHandlerConfigError, () => buildNsqRoutes(registry([['orders', handler({ chanel: 'billing' })]]), { channel: 'saver' }));
    expect(error.pattern).toBe('orders');
    expect(error.message).toContain('"chanel"');
    expect(error.message).toContain('did you mean "channel"?');
  });

  it('refuses an unknown extras key with nothing close, listing the valid keys', () => {
    const error = catchError(NsqHandlerConfigError, () => buildNsqRoutes(registry([['orders', handler({ fromBeginning: true })]]), { channel: 'saver' }));
    expect(error.message).toContain('"fromBeginning"');
    expect(error.message).toContain('channel, maxInFlight');
  });

  it('refuses transportId in the extras, where Nest ignores it, pointing at the second argument', () => {
    const error = catchError(NsqHandlerConfigError, () => buildNsqRoutes(registry([['orders', handler({ transportId: Symbol('nsq') })]]), { channel: 'saver' }));
    expect(error.message).toContain('"transportId"');
    expect(error.message).toContain("@EventPattern('orders', transportId, { channel })");
  });

  it("refuses a handler on the server's own dead-letter topic (its poison would loop back to it)", () => {
    const error = catchError(NsqHandlerConfigError, () => buildNsqRoutes(registry([['orders.dead', handler()]]), { channel: 'saver', deadLetterTopic: 'orders.dead' }));
    expect(error.pattern).toBe('orders.dead');
    expect(error.message).toContain('deadLetterTopic');
  });

  it('accepts a handler on another dead-letter topic', () => {
    expect(buildNsqRoutes(registry([['orders.dead', handler()]]), { channel: 'inspect', deadLetterTopic: 'payments.dead' })).toHaveLength(1);
  });

  it('splits a chain so each handler is in exactly one route, and clears next', () => {
    const head = handler({ channel: 'billing' });
    const second = handler({ channel: 'audit' });
    const routes = buildNsqRoutes(registry([['orders', chain(head, second)]]), {});
    expect(routes).toEqual([
      { topic: 'orders', channel: 'billing', handlers: [head] },
      { topic: 'orders', channel: 'audit', handlers: [second] },
    ]);
    expect(head.next).toBeUndefined();
    expect(second.next).toBeUndefined();
  });

  it('groups chained handlers of the same (topic, channel), in order', () => {
    const first = handler({ channel: 'billing' });
    const second = handler(); // default channel
    const third = handler({ channel: 'billing' });
    const routes = buildNsqRoutes(registry([['orders', chain(first, second, third)]]), { channel: 'saver' });
    expect(routes).toEqual([
      { topic: 'orders', channel: 'billing', handlers: [first, third] },
      { topic: 'orders', channel: 'saver', handlers: [second] },
    ]);
    expect([first.next, second.next, third.next]).toEqual([undefined, undefined, undefined]);
  });

  it('refuses a handler with no channel and no default, naming the pattern', () => {
    const error = catchError(NsqHandlerConfigError, () => buildNsqRoutes(registry([['orders.created', handler()]]), {}));
    expect(error.pattern).toBe('orders.created');
    expect(error.message).toContain("'orders.created'");
  });

  it('refuses a chained handler with no channel even when the head has one', () => {
    const routes = () => buildNsqRoutes(registry([['orders', chain(handler({ channel: 'billing' }), handler())]]), {});
    expect(catchError(NsqHandlerConfigError, routes).pattern).toBe('orders');
  });

  it.each(['', 'a b', 'x'.repeat(65), '{"cmd":"sum"}', 'orders\n'])('refuses the topic %p', (pattern) => {
    expect(catchError(NsqHandlerConfigError, () => buildNsqRoutes(registry([[pattern, handler()]]), { channel: 'saver' })).pattern).toBe(pattern);
  });

  it.each<[string, Record<string, unknown> | undefined, string | undefined]>([
    ['from extras', { channel: 'bad channel' }, 'saver'],
    ['empty, from extras', { channel: '' }, 'saver'],
    ['too long, from extras', { channel: 'c'.repeat(65) }, 'saver'],
    ['from the default', undefined, 'bad channel'],
  ])('refuses an invalid channel (%s)', (_label, extras, defaultChannel) => {
    const error = catchError(NsqHandlerConfigError, () => buildNsqRoutes(registry([['orders', handler(extras)]]), { channel: defaultChannel }));
    expect(error.pattern).toBe('orders');
  });

  it('marks a request-response handler (isEventHandler false) as a request route', () => {
    const [route] = buildNsqRoutes(registry([['sum', handler({ channel: 'c' }, false)]]), { channel: 'saver' });
    expect(route).toMatchObject({ topic: 'sum', channel: 'c', request: true });
  });

  it('leaves event routes unmarked', () => {
    const [route] = buildNsqRoutes(registry([['sum', handler({ channel: 'c' })]]), { channel: 'saver' });
    expect(route!.request).toBeUndefined();
  });

  it('returns no routes for an empty registry', () => {
    expect(buildNsqRoutes(new Map(), { channel: 'saver' })).toEqual([]);
  });
});
