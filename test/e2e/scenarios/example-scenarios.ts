import { TOPICS } from '@app/contracts';
import type { Scenario } from './scenario.js';
import { check, http, nsqdChannels, waitUntil } from './scenario-steps.js';

interface StoredOrder {
  order: { status: string; customer_id: string | null };
  effects: Array<{ channel: string; detail: string }>;
}

const reports: Scenario = {
  title: 'Reports: agent → report.created → saver → database',
  async run({ agentUrl, saverUrl }, log) {
    const titles = ['Daily sales', 'Warehouse stock', 'Support tickets', 'Site traffic', 'Refunds'];
    const ids: string[] = [];
    for (const title of titles) {
      const { status, body } = await http('POST', `${agentUrl}/reports`, { title, author: 'demo', content: `${title}: all numbers look fine.` });
      check(status === 202, `POST /reports answered ${status}`);
      ids.push(body.id);
      log.info(`POST /reports "${title}" → 202 ${body.id}`);
    }
    await waitUntil(log, 'every report in the database', async () => (await Promise.all(ids.map((id) => http('GET', `${saverUrl}/reports/${id}`)))).every((r) => r.status === 200), 15_000);
    const invalid = await http('POST', `${agentUrl}/reports`, { title: '', author: 7 });
    log.info(`POST /reports with an invalid body → ${invalid.status} ${JSON.stringify(invalid.body.message)}`);
    check(invalid.status === 400, `an invalid report got ${invalid.status}, expected 400`);
    return `${ids.length} reports stored once each; the invalid one was refused with 400 and never published`;
  },
};

async function placeOrders(agentUrl: string, log: { info(line: string): void }, customers: ReadonlyArray<readonly [string, number, string]>): Promise<string[]> {
  const ids: string[] = [];
  for (const [customerId, amount, sku] of customers) {
    const { status, body } = await http('POST', `${agentUrl}/orders`, { customerId, amount, items: [{ sku, quantity: 1 }] });
    check(status === 202, `POST /orders answered ${status}`);
    ids.push(body.id);
    log.info(`POST /orders ${customerId} ${amount} → 202 ${body.id}`);
  }
  return ids;
}

const fanOut: Scenario = {
  title: 'Fan-out: order.created reaches the saver and the points, coupons, notifications channels',
  async run({ agentUrl, saverUrl }, log) {
    const ids = await placeOrders(agentUrl, log, [
      ['alice', 120, 'BOOK-42'],
      ['bob', 35.5, 'PEN-7'],
    ]);
    const stored = await waitUntil(
      log,
      'every order on every channel',
      async () => {
        const all = await Promise.all(ids.map((id) => http<StoredOrder>('GET', `${saverUrl}/orders/${id}`)));
        return all.every((r) => r.status === 200 && r.body.order.customer_id !== null && r.body.effects.length === 3) && all;
      },
      15_000,
    );
    for (const { body } of stored) log.info(`${body.order.customer_id}: ${body.effects.map((e) => `${e.channel}: ${e.detail}`).join(' | ')}`);
    check(stored.every(({ body }) => body.effects.map((e) => e.channel).join() === 'coupons,notifications,points'), 'an order is missing a channel');
    return `${ids.length} orders × 4 channels (order row, points, coupons, notifications)`;
  },
};

const delayed: Scenario = {
  title: 'Delayed messages: unpaid orders are cancelled after the payment delay, a paid one is not',
  async run({ agentUrl, saverUrl, nsqdHttp, paymentTimeoutMs }, log) {
    const [paid, ...unpaid] = await placeOrders(agentUrl, log, [
      ['carol', 18, 'MUG-1'],
      ['dave', 42, 'LAMP-3'],
      ['erin', 9.9, 'CARD-5'],
    ]);
    await waitUntil(log, 'the orders stored', async () => (await Promise.all([paid, ...unpaid].map((id) => http<StoredOrder>('GET', `${saverUrl}/orders/${id}`)))).every((r) => r.status === 200), 15_000);
    const pay = await http('POST', `${agentUrl}/orders/${paid}/pay`);
    check(pay.status === 202, `POST /orders/:id/pay answered ${pay.status}`);
    log.info(`POST /orders/${paid}/pay → 202; the deferred order.payment-timeout messages are due in ${paymentTimeoutMs / 1000} s`);
    await waitUntil(log, 'the unpaid orders cancelled', async () => (await Promise.all(unpaid.map((id) => http<StoredOrder>('GET', `${saverUrl}/orders/${id}`)))).every((r) => r.body.order?.status === 'cancelled'), paymentTimeoutMs + 15_000);
    // Published together: once none is deferred, waiting or in flight, the paid order's timeout was handled too.
    await waitUntil(log, 'every payment timeout handled', async () => {
      const channel = (await nsqdChannels(nsqdHttp)).find((c) => c.topic === TOPICS.orderPaymentTimeout && c.channel === 'saver');
      return channel !== undefined && channel.deferred === 0 && channel.depth === 0 && channel.inFlight === 0;
    }, 15_000);
    const paidOrder = await http<StoredOrder>('GET', `${saverUrl}/orders/${paid}`);
    check(paidOrder.body.order.status === 'paid', `the paid order is ${paidOrder.body.order.status}`);
    return `${unpaid.length} unpaid orders cancelled by their deferred timeout; the paid order stayed paid`;
  },
};

const idempotentOrder: Scenario = {
  title: 'Idempotent orders: POST /orders retried with the same Idempotency-Key is one order',
  async run({ agentUrl, saverUrl }, log) {
    const key = `checkout-${Date.now()}`;
    const order = { customerId: 'frank', amount: 64, items: [{ sku: 'KETTLE-2', quantity: 1 }] };
    const first = await http('POST', `${agentUrl}/orders`, order, { 'idempotency-key': key });
    const retry = await http('POST', `${agentUrl}/orders`, order, { 'idempotency-key': key });
    check(first.status === 202 && retry.status === 202, `POST /orders answered ${first.status} then ${retry.status}`);
    log.info(`POST /orders (Idempotency-Key ${key}) twice → 202 ${first.body.id}, 202 ${retry.body.id}`);
    check(first.body.id === retry.body.id, 'the retry created a second order');
    await waitUntil(log, 'the order stored', async () => (await http<StoredOrder>('GET', `${saverUrl}/orders/${first.body.id}`)).body.effects?.length === 3, 15_000);
    return 'the retry was the same order: one row, one effect per channel';
  },
};

const peakShaving: Scenario = {
  title: 'Peak shaving: a burst of flash-sale purchases against the backlog limit',
  async run({ agentUrl, saverUrl, flashSaleMaxBacklog }, log) {
    const burst = flashSaleMaxBacklog * 4;
    const answers = await Promise.all(Array.from({ length: burst }, (_, i) => http('POST', `${agentUrl}/flash-sale/PHONE-X`, { customerId: `buyer-${i}` })));
    const accepted = answers.filter((a) => a.status === 202);
    const refused = answers.filter((a) => a.status === 429);
    log.info(`${burst} purchases at once, backlog limit ${flashSaleMaxBacklog}: ${accepted.length} × 202 (queued in NSQ), ${refused.length} × 429 (backlog full)`);
    check(accepted.length + refused.length === burst, `unexpected answers: ${answers.map((a) => a.status).join(',')}`);
    check(refused.length > 0, 'no purchase was refused: the backlog limit did not apply');
    check(accepted.length > 0 && accepted.length <= flashSaleMaxBacklog + 1, `${accepted.length} purchases accepted with a backlog limit of ${flashSaleMaxBacklog}`);
    log.info('the saver works through the queue one purchase at a time…');
    await waitUntil(log, 'every accepted purchase stored', async () => (await Promise.all(accepted.map((a) => http('GET', `${saverUrl}/flash-sale/purchases/${a.body.id}`)))).every((r) => r.status === 200), 30_000);
    await waitUntil(log, 'the sale open again', async () => (await http('POST', `${agentUrl}/flash-sale/PHONE-X`, { customerId: 'late-buyer' })).status === 202, 15_000);
    return `${accepted.length} purchases stored one at a time, ${refused.length} refused at the door; the sale reopened once the queue drained`;
  },
};

const health: Scenario = {
  title: 'Health: both services report NSQ and the database',
  async run({ agentUrl, saverUrl }) {
    const [a, s] = await Promise.all([http('GET', `${agentUrl}/health`), http('GET', `${saverUrl}/health`)]);
    check(a.status === 200 && s.status === 200, `health: agent ${a.status}, saver ${s.status}`);
    return `agent: nsq ${a.body.details.nsq.status}; saver: nsq ${s.body.details.nsq.status}, database ${s.body.details.database.status} (${s.body.details.database.kind})`;
  },
};

/** The example system's scenarios, in the order the demo shows them; the e2e suite runs the same list. */
export const EXAMPLE_SCENARIOS: readonly Scenario[] = [reports, fanOut, delayed, idempotentOrder, peakShaving, health];
