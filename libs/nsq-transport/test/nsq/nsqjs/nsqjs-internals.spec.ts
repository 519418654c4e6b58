import { createRequire } from 'node:module';
import * as nsqjs from 'nsqjs';
import { GUARDED_METHODS, GUARDED_STATES, NSQJS_VERSION, assertNsqjsShape } from '../../../src/nsq/nsqjs/nsqjs-internals.js';

// nsqjs exports its connection classes; @types/nsqjs does not declare them.
const exported = nsqjs as unknown as Record<string, new (...args: unknown[]) => Record<string, unknown>>;

/**
 * The wall's tripwire: everything in src/nsq/nsqjs is written against these
 * undeclared parts of nsqjs 0.13.0. An nsqjs upgrade that changes any of them
 * fails here first, by name, instead of corrupting connections at run time.
 */
describe('the nsqjs internals the transport relies on', () => {
  it(`is nsqjs ${NSQJS_VERSION} exactly, as pinned in package.json`, () => {
    const require = createRequire(import.meta.url);
    expect((require('nsqjs/package.json') as { version: string }).version).toBe(NSQJS_VERSION);
    const lib = JSON.parse(require('node:fs').readFileSync(require.resolve('../../../package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(lib.dependencies['nsqjs']).toBe(NSQJS_VERSION);
  });

  it.each([
    ['NSQDConnection', ['nsqd.example', 4150, 'topic', 'channel', {}]],
    ['WriterNSQDConnection', ['nsqd.example', 4150, {}]],
  ] as const)('%s has every method and state the guard replaces, with the fields it reads', (name, args) => {
    const conn = new exported[name]!(...args);
    expect(() => assertNsqjsShape(conn)).not.toThrow();
    for (const method of GUARDED_METHODS) expect(typeof conn[method]).toBe('function');
    const machine = conn['statemachine'] as { states: Record<string, Record<string, unknown>>; afterIdentify(): string; current_state_name: string };
    for (const state of GUARDED_STATES) expect(machine.states[state]).toBeDefined();
    expect(typeof machine.states['IDENTIFY_RESPONSE']!['response']).toBe('function');
    expect(typeof machine.states['AUTH_RESPONSE']!['response']).toBe('function');
    expect(typeof machine.states['AUTH']!['Enter']).toBe('function');
    expect(typeof machine.states['IDENTIFY_COMPRESSION_CHECK']!['Enter']).toBe('function');
    expect(machine.afterIdentify()).toBe(name === 'NSQDConnection' ? 'SUBSCRIBE' : 'READY_SEND');
    expect(machine.current_state_name).toBe('INIT');
    expect(conn['messageCallbacks']).toEqual([]);
    expect(conn).toHaveProperty('onDataFn');
    expect(conn).toHaveProperty('outWriter');
    expect(conn['maxRdyCount']).toBe(0);
  });

  it('Reader wires connections through registerConnectionListeners and connectToNSQD, and keeps its RDY logic in readerRdy', () => {
    const reader = new exported['Reader']!('topic', 'channel', { nsqdTCPAddresses: ['127.0.0.1:4150'] });
    expect(typeof reader['registerConnectionListeners']).toBe('function');
    expect(typeof reader['connectToNSQD']).toBe('function');
    expect(typeof reader['queryLookupd']).toBe('function');
    expect(reader['readerRdy']).toBeDefined();
  });

  it('Writer keeps its connection in conn after connect()', () => {
    expect(exported['Writer']!.prototype['connect']).toBeDefined();
    expect(String(exported['Writer']!.prototype['connect'])).toContain('this.conn =');
  });

  it("NSQDConnection.createMessage copies the negotiated msg_timeout onto each Message (nsqjs-message.ts reads it there)", () => {
    const conn = new exported['NSQDConnection']!('nsqd.example', 4150, 'topic', 'channel', {}) as Record<string, unknown> & { createMessage(raw: Buffer): Record<string, unknown> };
    conn['msgTimeout'] = 1_500;
    const raw = Buffer.alloc(28);
    raw.write('0123456789abcdef', 10, 'latin1');
    const message = conn.createMessage(raw);
    expect(message).toBeInstanceOf(nsqjs.Message);
    expect(message['msgTimeout']).toBe(1_500);
    // What markNsqjsMessageAnswered sets and clears.
    expect(message['hasResponded']).toBe(false);
    expect(message).toHaveProperty('trackTimeoutId');
    clearTimeout(message['trackTimeoutId'] as NodeJS.Timeout);
  });

  it("NSQDConnection names the events the subscriber and the RDY controller use: 'message' carries the Message, 'requeued' counts a REQ", () => {
    const NSQDConnection = exported['NSQDConnection'] as unknown as Record<string, unknown>;
    expect(NSQDConnection['MESSAGE']).toBe('message');
    expect(NSQDConnection['REQUEUED']).toBe('requeued');
    expect(NSQDConnection['FINISHED']).toBe('finished');
    const source = String((exported['NSQDConnection']!.prototype as Record<string, unknown>)['createMessage']);
    expect(source).toContain('this.emit(NSQDConnection.REQUEUED)');
  });

  it('refuses a connection without the known shape', () => {
    expect(() => assertNsqjsShape({ statemachine: { states: {}, goto() {} } })).toThrow(/internals changed/);
  });
});
