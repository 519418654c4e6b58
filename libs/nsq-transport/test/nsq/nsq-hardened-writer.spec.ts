import { NsqHardenedWriter } from '../../src/nsq/nsq-hardened-writer.js';

describe('NsqHardenedWriter', () => {
  it('hardens its connection before the socket opens: no AUTH to an nsqd that did not ask', async () => {
    const writer = new NsqHardenedWriter('127.0.0.1', 1, { authSecret: 'hidden', tls: true, tlsVerification: true });
    writer.on('error', () => undefined);
    writer.connect();
    const conn = (writer as unknown as { conn: { statemachine: { identifyResponse: unknown; current_state_name: string; goto(s: string): void }; write: (d: unknown) => void; destroy?: () => void } }).conn;
    const written: string[] = [];
    conn.write = (data) => void written.push(String(data));
    conn.statemachine.identifyResponse = {};
    conn.statemachine.goto('AUTH');
    expect(written.join('')).not.toContain('AUTH');
    expect(conn.statemachine.current_state_name).toBe('READY_SEND');
    // Port 1 refuses the connection; the Writer closes by itself.
    await new Promise((resolve) => writer.once('closed', resolve));
  });
});
