/**
 * A short-lived job, as a CLI or a cron script would be: one client, one emit,
 * then exit. Used to prove an emit cannot vanish with its process.
 *
 *   node short-lived-emit.js <nsqd host:port> await|fire
 *
 * `await`: awaits the emit without catching (a failure must end the process
 * with a non-zero code), then closes the client. `fire`: emits without
 * subscribing (the failure must be logged before the process may exit).
 */
import 'reflect-metadata';
import { lastValueFrom } from 'rxjs';
import { ClientNsq } from '../../../libs/nsq-transport/src/index.js';

const [address, mode] = process.argv.slice(2);
const client = new ClientNsq({ nsqdTcpAddresses: [address!], publishTimeoutMs: 800, connectTimeoutMs: 800, reconnectMaxDelayMs: 200 });
if (mode === 'await') {
  await lastValueFrom(client.emit('short.lived', { job: 'nightly' }), { defaultValue: undefined });
  console.log('emitted');
  await client.close();
} else {
  client.emit('short.lived', { job: 'nightly' });
}
