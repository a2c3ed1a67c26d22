import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ServiceError } from '@grpc/grpc-js';
import { connect } from 'nats';
import { chromium } from 'playwright-core';
import { streamUpserts, wireVector } from '../../src/client/index.js';
import { loadConfig } from '../../src/config/index.js';
import { readSummaries, type Summary } from '../../src/consumer/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { exactCumulative, keyOfSummary } from '../helpers/consumer-events.js';
import { runCli, spawnConsumer, type ConsumerProcess } from '../helpers/consumer-stack.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { NatsServer } from '../helpers/nats-server.js';
import { otlpAttribute, startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const DIM = 16;
const STREAM = 'VECTORADMIN_EVENTS';
const SCREENSHOT = path.resolve(import.meta.dirname, '../../test-results/dashboard.png');
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The dashboard's URL, from the consumer's readiness signal. */
async function dashboardUrl(consumer: ConsumerProcess): Promise<string> {
  const { dashboard } = await consumer.ready;
  return `http://${String(dashboard)}/`;
}

async function streamMessages(natsUrl: string): Promise<number> {
  const nc = await connect({ servers: natsUrl });
  try {
    return (await (await nc.jetstreamManager()).streams.info(STREAM)).state.messages;
  } finally {
    await nc.close();
  }
}

async function stopped(consumer: ConsumerProcess): Promise<void> {
  consumer.kill('SIGTERM');
  assert.equal(await consumer.exited, 0, `consumer exits cleanly: ${consumer.log()}`);
}

test('dashboard - a scripted run shows in traces, summaries, replay and the live dashboard', async () => {
  await using nats = await NatsServer.start();
  await using receiver = await startOtlpReceiver();
  const tenant = uniqueName('dash');
  await using stack = await startTestStack({ tenants: [tenant], natsUrl: nats.url });
  const consumerDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-dashboard-'));
  const env = {
    VECTORADMIN_DATA_DIR: consumerDir,
    NATS_URL: nats.url,
    VECTORADMIN_CONSUMER_NAME: `dashboard-${tenant}`,
    VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
    VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
    VECTORADMIN_CONSUMER_ACK_WAIT_MS: '1000',
    VECTORADMIN_LOG_LEVEL: 'info',
    VECTORADMIN_ALERT_AUTH_FAILURES: '1',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  };
  const config = loadConfig(env);
  const consumer = spawnConsumer(env);
  try {
    // The scripted run: a few seconds of streamed upserts, searches and counts, one failure.
    const api = stack.api(tenantKey(tenant));
    const table = uniqueTable('docs');
    await api.createCollection({
      tenantId: '',
      table,
      config: { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 },
    });
    const random = seededRandom(42);
    const deadline = performance.now() + 3000;
    for (let round = 0; performance.now() < deadline; round += 1) {
      const batches = [0, 1, 2].map((b) => ({
        table,
        points: wirePoints(random, DIM, (round * 3 + b) * 64, 64).points,
      }));
      await streamUpserts(stack.connection(tenantKey(tenant)), batches);
      for (let i = 0; i < 4; i += 1) {
        await api.search({
          tenantId: '',
          table,
          vector: wireVector(new Float32Array(DIM).fill(random())),
          limit: 5,
          filter: undefined,
          withPayload: false,
        });
      }
      await api.count({ tenantId: '', table, filter: undefined, exact: true });
    }
    // A caller's mistake is not the service's error; a refused credential is what alerts.
    await api.getCollection({ tenantId: uniqueName('other'), table }).catch((e: ServiceError) => e);
    const events = await readAllEvents(nats.url, STREAM, await streamMessages(nats.url), 20_000, {
      withServiceEvents: true,
    });
    const total = events.length;
    await waitFor(() => receiver.spans.length >= total, {
      timeoutMs: 20_000,
      reason: `${total} spans over OTLP`,
      detail: () => ({ spans: receiver.spans.length, consumerLog: consumer.log().slice(-4000) }),
    });
    await waitFor(
      async () =>
        (await readSummaries(config))
          .filter((s) => s.scope === 'cumulative')
          .reduce((n, s) => n + s.operations, 0) === total,
      {
        timeoutMs: 20_000,
        reason: `summaries of all ${total} events`,
      },
    );

    // Spans over OTLP equal the operations performed: count, names, durations.
    assert.equal(receiver.spans.length, total);
    assert.deepEqual(
      receiver.spans.map((s) => s.name).sort(),
      events.map((e) => e.data.operation).sort(),
    );
    for (const event of events) {
      const span = receiver.spans.find(
        (s) => otlpAttribute(s, 'cloudevents.event_id') === event.id,
      );
      assert.ok(span !== undefined, `span for ${event.id}`);
      const durationNs = BigInt(span.endTimeUnixNano) - BigInt(span.startTimeUnixNano);
      const expectedNs = BigInt(Math.round(event.data.duration_ms * 1e6));
      assert.ok(
        durationNs - expectedNs < 1000n && expectedNs - durationNs < 1000n,
        `duration of ${event.data.operation}`,
      );
    }

    // `vector-admin summary --json`: counts exact, percentiles within HdrHistogram's 0.1% of
    // the raw events'.
    const json = await runCli(env, ['summary', '--json']);
    assert.equal(json.code, 0);
    const live = JSON.parse(json.stdout) as Summary[];
    assert.deepEqual(live, await readSummaries(config));
    const exact = exactCumulative(events);
    for (const s of live.filter((x) => x.scope === 'cumulative')) {
      const e = exact.get(keyOfSummary(s));
      assert.ok(e !== undefined);
      assert.equal(s.operations, e.operations);
      assert.equal(s.errors, e.errors);
      for (const [got, want] of [
        [s.latency_ms.p50, e.p50Ms],
        [s.latency_ms.p95, e.p95Ms],
        [s.latency_ms.p99, e.p99Ms],
        [s.latency_ms.max, e.maxMs],
      ] as const) {
        assert.ok(
          Math.abs(got - want) <= want * 0.001 + 0.001,
          `${s.operation}: ${got} vs ${want}`,
        );
      }
    }
    const printed = await runCli(env, ['summary']);
    assert.equal(printed.code, 0);
    assert.match(printed.stdout, /^window\s+operation/);

    // The live dashboard, in a real headless Chromium.
    const url = await dashboardUrl(consumer);
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1240, height: 900 } });
      await page.goto(url);
      // A string: the test's tsconfig has no DOM types, the page evaluates it.
      await page.waitForFunction(
        "Number(document.querySelector('#throughput').dataset.points) > 1",
        undefined,
        { timeout: 10_000 },
      );
      assert.ok(
        Number(await page.getAttribute('#latency', 'data-points')) > 1,
        'latency chart drew points',
      );
      assert.ok(
        (await page.locator('#summaries tr').count()) >= exact.size,
        'a summary row per key',
      );
      assert.ok(
        (await page.locator('#alerts .rule').count()) >= 1,
        'the failed call raised an alert',
      );
      await mkdir(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    } finally {
      await browser.close();
    }
    assert.ok((await stat(SCREENSHOT)).size > 10_000, 'a real screenshot');
    await stopped(consumer);

    // Replay from the stream's start reproduces the live summaries exactly.
    const replay = spawnConsumer({ ...env, OTEL_TRACES_EXPORTER: 'none' }, ['--replay']);
    try {
      // Until it runs, the old checkpoint is still there: wait for the replay to take over.
      await replay.ready;
      await waitFor(
        async () =>
          (await readSummaries(config))
            .filter((s) => s.scope === 'cumulative')
            .reduce((n, s) => n + s.operations, 0) === total,
        {
          timeoutMs: 20_000,
          reason: 'replay to rebuild the summaries',
        },
      );
      await stopped(replay);
    } finally {
      replay.kill('SIGKILL');
    }
    assert.deepEqual(await readSummaries(config), live);
  } finally {
    consumer.kill('SIGKILL');
    await rm(consumerDir, { recursive: true, force: true });
  }
});
