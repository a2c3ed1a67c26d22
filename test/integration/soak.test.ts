import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import {
  connect,
  streamUpserts,
  vectorAdminApi,
  wireVector,
  type Connection,
  type StreamBatch,
} from '../../src/client/index.js';
import type { CloudEvent } from '../../src/events/index.js';
import { Distance, Tenancy } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { AckLedger } from '../helpers/fault-ledger.js';
import { reportReliability } from '../helpers/fault-report.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { NatsServer } from '../helpers/nats-server.js';
import { randomVector, seededRandom, wirePoints } from '../helpers/points.js';
import { ADMIN_KEY, keysEnv, tenantKey, uniqueName } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const SOAK_MS = Number(process.env.SOAK_MS ?? 15_000);
const DIM = 64;
const BATCH = 100;
const TENANTS = 3;
const STREAM = 'VECTORADMIN_EVENTS';
/** Resident memory may grow this much past its level after warm-up (2 s in), no more. */
const RSS_GROWTH_BOUND = 192 * 2 ** 20;
const OWN = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };
const SHARED = { ...OWN, tenancy: Tenancy.TENANCY_SHARED_COLLECTION };

/** One writer: batches of fresh ids into one table until the deadline. */
interface Writer {
  readonly tenant: string;
  readonly table: string;
  readonly ledger: AckLedger;
  readonly run: Promise<unknown>;
}

function startWriter(
  connection: Connection,
  tenant: string,
  table: string,
  deadline: number,
  seed: number,
): Writer {
  const ledger = new AckLedger();
  const shared = table === 'pool';
  function* batches(): Generator<StreamBatch> {
    const random = seededRandom(seed);
    for (let b = 0; performance.now() < deadline; b++)
      yield {
        table,
        points: wirePoints(random, DIM, b * BATCH, BATCH).points,
        autoCreate: shared ? SHARED : OWN,
      };
  }
  return {
    tenant,
    table,
    ledger,
    run: streamUpserts(connection, batches(), { onAck: ledger.onAck }),
  };
}

async function searchUntil(
  connection: Connection,
  table: string,
  deadline: number,
  seed: number,
): Promise<number> {
  const api = vectorAdminApi(connection);
  const random = seededRandom(seed);
  let searches = 0;
  while (performance.now() < deadline) {
    await api.search({
      tenantId: '',
      table,
      vector: wireVector(randomVector(random, DIM)),
      limit: 10,
      filter: undefined,
      withPayload: false,
    });
    searches += 1;
  }
  return searches;
}

/** Sum of `points` over successful upsert events, by tenant and table. */
function eventPoints(events: readonly CloudEvent[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const e of events) {
    if (e.data.operation !== 'upsert' || e.data.outcome !== 'ok') continue;
    const key = `${e.data.tenant_id}/${e.data.table}`;
    sums.set(key, (sums.get(key) ?? 0) + (e.data.points ?? 0));
  }
  return sums;
}

test('soak - tenants stream and search concurrently for a fixed time: acked = stored = evented points, RSS bounded', async () => {
  await using nats = await NatsServer.start();
  const tenants = Array.from({ length: TENANTS }, (_, i) => uniqueName(`soak-${i}`));
  const dataDir = await serviceDataDir('soak-');
  try {
    await using service = await ServiceProcess.start({
      port: await freePort(),
      dataDir,
      env: {
        NATS_URL: nats.url,
        VECTORADMIN_EVENTS_STREAM: STREAM,
        ...keysEnv(tenants),
      },
    });
    // The operator (admin key) sets the shared table up; the tenants' auto-create joins it.
    const operator = connect({ address: service.address, apiKey: ADMIN_KEY });
    await vectorAdminApi(operator).ensureCollection({
      tenantId: 'operator',
      table: 'pool',
      config: SHARED,
    });
    operator.close();
    const connections = tenants.map((t) =>
      connect({ address: service.address, apiKey: tenantKey(t) }),
    );
    const started = performance.now();
    const deadline = started + SOAK_MS;
    const rss: number[] = [];
    let warmRss = 0;
    const sampler = setInterval(() => {
      service.rssBytes().then(
        (bytes) => {
          rss.push(bytes);
          if (warmRss === 0 && performance.now() - started > 2000) warmRss = bytes;
        },
        () => undefined,
      );
    }, 200);
    // Each tenant: one stream into its own table and one into the shared table, plus searches.
    const writers = tenants.flatMap((t, i) => [
      startWriter(connections[i]!, t, 'docs', deadline, i * 2 + 1),
      startWriter(connections[i]!, t, 'pool', deadline, i * 2 + 2),
    ]);
    await waitFor(() => writers.every((w) => w.ledger.seqs.length > 0), {
      timeoutMs: 20_000,
      reason: 'every writer to get its first ack',
    });
    const searches = await Promise.all(
      connections.map((c, i) => searchUntil(c, i % 2 === 0 ? 'docs' : 'pool', deadline, 100 + i)),
    );
    await Promise.all(writers.map((w) => w.run));
    clearInterval(sampler);
    const elapsedMs = performance.now() - started;

    let acked = 0;
    for (const [i, t] of tenants.entries()) {
      const api = vectorAdminApi(connections[i]!);
      for (const w of writers.filter((x) => x.tenant === t)) {
        assert.equal(w.ledger.rejected, 0);
        assert.equal(w.ledger.ids.size, w.ledger.points, 'ids are fresh');
        const { count } = await api.count({
          tenantId: '',
          table: w.table,
          filter: undefined,
          exact: true,
        });
        assert.equal(count, BigInt(w.ledger.points), `${t}/${w.table}: stored = acknowledged`);
        acked += w.ledger.points;
      }
    }
    const expected = new Map(writers.map((w) => [`${w.tenant}/${w.table}`, w.ledger.points]));
    const events = await waitFor(
      async () => {
        const all = await readAllEvents(nats.url, STREAM, 1);
        const sums = eventPoints(all);
        return [...expected].every(([k, n]) => sums.get(k) === n) ? all : undefined;
      },
      { timeoutMs: 30_000, reason: 'upsert events for every acknowledged point' },
    );
    assert.deepEqual(
      eventPoints(events),
      expected,
      'points in events = points acknowledged, per table',
    );
    const upserts = events.filter((e) => e.data.operation === 'upsert');
    assert.equal(
      new Set(upserts.map((e) => `${e.data.stream_id}/${e.data.seq}`)).size,
      upserts.length,
      'one event per batch',
    );
    const searchEvents = events.filter((e) => e.data.operation === 'search').length;
    const totalSearches = searches.reduce((a, b) => a + b, 0);
    assert.equal(searchEvents, totalSearches, 'one event per search');

    const peak = Math.max(...rss);
    assert.ok(warmRss > 0, 'RSS was sampled after warm-up');
    assert.ok(
      peak - warmRss < RSS_GROWTH_BOUND,
      `RSS grew ${((peak - warmRss) / 2 ** 20).toFixed(0)} MiB after warm-up`,
    );
    for (const c of connections) c.close();
    await reportReliability({
      kind: 'load',
      test: 'bounded soak',
      what: `${TENANTS} tenants x (1 stream to an own table + 1 to a shared table + 1 search loop), ${Math.round(elapsedMs / 1000)} s, ${DIM}-d, batches of ${BATCH}`,
      checked:
        'acked points = Count per table = points in upsert events per table; one event per batch and per search; service RSS growth after warm-up bounded',
      figures: {
        ackedPoints: acked,
        pointsPerSecond: Math.round(acked / (elapsedMs / 1000)),
        searches: totalSearches,
        events: events.length,
        rssWarmMiB: Math.round(warmRss / 2 ** 20),
        rssPeakMiB: Math.round(peak / 2 ** 20),
        rssBoundMiB: Math.round((warmRss + RSS_GROWTH_BOUND) / 2 ** 20),
      },
    });
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
