/**
 * `npm run docs:trace`: the README's picture of a trace crossing agent → NSQ → saver. Runs a real
 * nsqd, a ClientNsq ("agent", publishing inside the span of an HTTP request) and a ServerNsq
 * ("saver", whose handler fails once, is requeued, then writes), each with its own TracerProvider
 * (the seed-style `tracing: { tracerProvider }` option) and an in-memory exporter, both in envelope
 * mode so the W3C trace context crosses in the headers. Renders the exported spans as an SVG
 * timeline into test/observability/trace-timeline.svg. No external service.
 */
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EventPattern } from '@nestjs/microservices';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { ClientNsq, ServerNsq } from 'nestjs-transport-nsq';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { lastValueFrom } from 'rxjs';
import { setTimeout as sleep } from 'node:timers/promises';
import { NsqdNode } from '../support/nsqd-node.js';
import { waitFor } from '../support/wait-for.js';

const TOPIC = 'report.created';
const OUT = resolve(process.argv[2] ?? 'test/observability/trace-timeline.svg');

interface Row {
  readonly service: 'agent' | 'saver';
  readonly span: ReadableSpan;
}

function recorder() {
  const exporter = new InMemorySpanExporter();
  return { exporter, provider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }) };
}

async function run(): Promise<Row[]> {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  const agent = recorder();
  const saver = recorder();
  const dataPath = await mkdtemp(join(tmpdir(), 'nsq-trace-'));
  const nsqd = await NsqdNode.start({ nodeId: 1, dataPath, args: ['--log-level=warn'] });
  let calls = 0;
  const saverTracer = saver.provider.getTracer('saver');

  @Controller()
  class ReportsController {
    @EventPattern(TOPIC, { channel: 'saver' })
    async store(_report: unknown): Promise<void> {
      calls += 1;
      await saverTracer.startActiveSpan('INSERT reports', { kind: SpanKind.CLIENT, attributes: { 'db.system.name': 'postgresql' } }, async (span) => {
        await sleep(calls === 1 ? 4 : 6);
        if (calls === 1) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: 'connection reset' });
          span.end();
          throw new Error('connection reset');
        }
        span.end();
      });
    }
  }
  @Module({ controllers: [ReportsController] })
  class SaverModule {}

  const server = new ServerNsq({ nsqdTcpAddresses: [nsqd.tcpAddress], envelope: true, requeueDelayMs: 0, tracing: { tracerProvider: saver.provider } });
  const app = await NestFactory.createMicroservice(SaverModule, { strategy: server, logger: false });
  await app.listen();
  const client = new ClientNsq({ nsqdTcpAddresses: [nsqd.tcpAddress], envelope: true, tracing: { tracerProvider: agent.provider } });
  await client.connect();
  try {
    // The agent's HTTP request: validation, then the publish, inside the request's span.
    await agent.provider.getTracer('agent').startActiveSpan('POST /reports', { kind: SpanKind.SERVER, attributes: { 'http.request.method': 'POST', 'http.route': '/reports' } }, async (request) => {
      await sleep(2);
      await lastValueFrom(client.emit(TOPIC, { title: 'Q3 figures', author: 'demo' }), { defaultValue: undefined });
      request.setAttribute('http.response.status_code', 202);
      request.end();
    });
    await waitFor(() => saver.exporter.getFinishedSpans().filter((s) => s.name === `process ${TOPIC}`).length === 2, { timeoutMs: 15_000, message: 'the saver did not handle the report twice' });
  } finally {
    await client.close();
    await app.close();
    await nsqd.stop();
    await rm(dataPath, { recursive: true, force: true });
    trace.disable();
  }
  return [
    ...agent.exporter.getFinishedSpans().map((span) => ({ service: 'agent' as const, span })),
    ...saver.exporter.getFinishedSpans().map((span) => ({ service: 'saver' as const, span })),
  ];
}

const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;
const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const KIND = ['INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

/** Depth-first by parent, children by start time: the order trace viewers draw. */
function ordered(rows: readonly Row[]): Array<Row & { depth: number }> {
  const byParent = new Map<string | undefined, Row[]>();
  const ids = new Set(rows.map((r) => r.span.spanContext().spanId));
  for (const row of rows) {
    const parent = row.span.parentSpanContext?.spanId;
    const key = parent && ids.has(parent) ? parent : undefined;
    byParent.set(key, [...(byParent.get(key) ?? []), row]);
  }
  const out: Array<Row & { depth: number }> = [];
  const visit = (parent: string | undefined, depth: number) => {
    for (const row of (byParent.get(parent) ?? []).sort((a, b) => ms(a.span.startTime) - ms(b.span.startTime))) {
      out.push({ ...row, depth });
      visit(row.span.spanContext().spanId, depth + 1);
    }
  };
  visit(undefined, 0);
  return out;
}

function render(rows: readonly Row[]): string {
  const list = ordered(rows);
  const t0 = Math.min(...rows.map((r) => ms(r.span.startTime)));
  const t1 = Math.max(...rows.map((r) => ms(r.span.endTime)));
  const traceIds = new Set(rows.map((r) => r.span.spanContext().traceId));
  const labelWidth = 330;
  const chartWidth = 560;
  const rowHeight = 34;
  const top = 58;
  const width = labelWidth + chartWidth + 30;
  const height = top + list.length * rowHeight + 46;
  const x = (t: number) => labelWidth + ((t - t0) / (t1 - t0)) * chartWidth;
  const colors = { agent: '#3b6fb6', saver: '#2e8b57' };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="14" font-weight="bold">One trace across agent → NSQ → saver (${traceIds.size === 1 ? `trace ${[...traceIds][0]!.slice(0, 8)}…` : `${traceIds.size} traces`})</text>`,
    `<text x="12" y="40" fill="#555">${escape(`Spans exported in memory by two TracerProviders; ${Math.round(t1 - t0)} ms end to end. The saver's first run fails and is requeued (◆ events).`)}</text>`,
  ];
  for (let tick = 0; tick <= 4; tick++) {
    const t = t0 + ((t1 - t0) * tick) / 4;
    parts.push(`<line x1="${x(t)}" y1="${top - 6}" x2="${x(t)}" y2="${height - 40}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${x(t)}" y="${height - 24}" text-anchor="middle" fill="#777">${Math.round(t - t0)} ms</text>`);
  }
  list.forEach((row, index) => {
    const { span, service, depth } = row;
    const y = top + index * rowHeight;
    const start = x(ms(span.startTime));
    const end = Math.max(x(ms(span.endTime)), start + 2);
    const failed = span.status.code === SpanStatusCode.ERROR;
    parts.push(`<text x="${12 + depth * 14}" y="${y + 14}" fill="${colors[service]}" font-weight="bold">${escape(service)}</text>`);
    parts.push(`<text x="${52 + depth * 14}" y="${y + 14}">${escape(span.name)}</text>`);
    const attempts = span.attributes['messaging.nsq.message.attempts'];
    const detail = [KIND[span.kind] ?? '', attempts !== undefined ? `attempt ${String(attempts)}` : '', failed ? 'ERROR' : ''].filter(Boolean).join(' · ');
    parts.push(`<text x="${52 + depth * 14}" y="${y + 28}" fill="#777" font-size="10">${escape(detail)}</text>`);
    parts.push(`<rect x="${start}" y="${y + 4}" width="${end - start}" height="16" rx="3" fill="${colors[service]}" fill-opacity="${failed ? 0.45 : 0.85}" stroke="${failed ? '#c0392b' : 'none'}" stroke-width="1.5"/>`);
    parts.push(`<text x="${Math.min(end + 4, width - 60)}" y="${y + 16}" fill="#333" font-size="10">${(ms(span.endTime) - ms(span.startTime)).toFixed(1)} ms</text>`);
    for (const event of span.events) {
      const ex = x(ms(event.time));
      parts.push(`<path d="M ${ex} ${y + 1} l 5 5 l -5 5 l -5 -5 z" transform="translate(0 ${7})" fill="${event.name === 'exception' ? '#c0392b' : '#e67e22'}"/>`);
      if (event.name !== 'exception') parts.push(`<text x="${ex + 7}" y="${y + 31}" fill="#e67e22" font-size="10">${escape(event.name)}</text>`);
    }
  });
  parts.push(`<text x="12" y="${height - 8}" fill="#999" font-size="10">Generated by test/observability/render-trace-timeline.ts (npm run docs:trace) from a real nsqd run.</text>`);
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}

run()
  .then(async (rows) => {
    await writeFile(OUT, render(rows));
    console.log(`${rows.length} spans in ${new Set(rows.map((r) => r.span.spanContext().traceId)).size} trace(s) → ${OUT}`);
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
