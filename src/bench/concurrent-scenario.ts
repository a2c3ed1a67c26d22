import { wireVector } from '../client/index.js';
import { Operation } from '../domain/index.js';
import {
  benchCollectionConfig,
  progressFor,
  round,
  seconds,
  tallied,
  type BenchContext,
} from './context.js';
import { SyntheticTable } from './dataset.js';
import type { IngestedCollection } from './ingest-scenario.js';
import { streamIngest } from './ingest-stream.js';
import { LatencyRecorder } from './latency.js';
import { mixSeed, mulberry32 } from './payloads.js';
import { Encoding } from './profiles.js';
import type { ScenarioResult } from './report.js';

/** The concurrent-load result and the collections its streams filled. */
export interface ConcurrentOutcome {
  readonly result: ScenarioResult;
  readonly collections: IngestedCollection[];
}

/**
 * Several tenants' ETL streams at once (one stream per tenant, tables and batch sizes varied),
 * while `searchWorkers` query the already ingested collections until every stream is done.
 */
export async function concurrentScenario(
  ctx: BenchContext,
  searchTargets: readonly IngestedCollection[],
): Promise<ConcurrentOutcome> {
  const { options } = ctx;
  const perStream = Math.max(1, Math.floor(options.concurrentVectors / options.streams));
  const tables = Array.from({ length: options.streams }, (_, i) => {
    const tenantId = `${ctx.runPrefix}-s${i}`;
    const table = options.tables[i % options.tables.length] ?? 'work_items';
    return new SyntheticTable(tenantId, table, options.dims, perStream, options.seed + 1000 + i);
  });
  const collections = tables.map((t) => ctx.naming.ref(t.tenantId, t.table).name);
  await Promise.all(
    tables.map((t, i) =>
      tallied(ctx, Operation.EnsureCollection, collections[i] as string, () =>
        ctx.api.ensureCollection({
          tenantId: t.tenantId,
          table: t.table,
          config: benchCollectionConfig(t.dims),
        }),
      ),
    ),
  );
  const progress = progressFor(
    ctx,
    `${options.streams} streams + search`,
    perStream * tables.length,
  );
  const started = performance.now();
  let streaming = true;
  const searchLatency = new LatencyRecorder();
  const errors: string[] = [];
  const searchWorker = async (w: number) => {
    const next = mulberry32(mixSeed(options.seed ^ 0x1b873593, w));
    for (let i = 0; streaming && searchTargets.length > 0 && !ctx.signal.aborted; i++) {
      const target = searchTargets[(w + i) % searchTargets.length] as IngestedCollection;
      const callStarted = performance.now();
      try {
        await tallied(
          ctx,
          Operation.Search,
          target.collection,
          () =>
            ctx.api.search({
              tenantId: target.table.tenantId,
              table: target.table.table,
              vector: wireVector(
                target.table.query(next() % Math.max(1, target.acked), 2_000_000 + i),
                'f32le',
              ),
              limit: 10,
              withPayload: false,
            }),
          (r) => r.points.length,
        );
        searchLatency.record(performance.now() - callStarted);
      } catch (err) {
        if (errors.length < 10) errors.push(`search during load: ${(err as Error).message}`);
      }
    }
  };
  const searches = Array.from({ length: options.searchWorkers }, (_, w) => searchWorker(w));
  const runs = await Promise.all(
    tables.map((table, i) =>
      streamIngest(ctx.connection, table, {
        batchSize: options.batchSizes[i % options.batchSizes.length] ?? options.batchSize,
        encoding: Encoding.F32le,
        window: options.window,
        progress,
        signal: ctx.signal,
        tally: { tally: ctx.tally, collection: collections[i] as string },
      }),
    ),
  );
  const ingestMs = performance.now() - started;
  streaming = false;
  await Promise.all(searches);
  progress.finish();
  const acked = runs.reduce((sum, r) => sum + r.acked, 0);
  for (const run of runs) errors.push(...run.errors);
  const search = searchLatency.stats();
  return {
    result: {
      test_name: 'concurrent_load',
      success: errors.length === 0 && acked === perStream * tables.length,
      duration: seconds(performance.now() - started),
      records_processed: perStream * tables.length + search.count,
      vectors_created: acked,
      errors,
      metrics: {
        streams: options.streams,
        search_workers: options.searchWorkers,
        vectors_per_stream: perStream,
        vectors_per_s: round(acked / (ingestMs / 1000), 1),
        per_stream: runs.map((r, i) => ({
          collection: collections[i],
          batch_size: options.batchSizes[i % options.batchSizes.length] ?? options.batchSize,
          acked: r.acked,
          vectors_per_s: round(r.vectorsPerS, 1),
          batch_latency: r.batchLatency,
        })),
        searches_during_load: search.count,
        search_qps_during_load: round(search.count / (ingestMs / 1000), 2),
        search_latency_during_load: search,
      },
    },
    collections: tables.map((table, i) => ({
      scenario: 'concurrent_load',
      table,
      collection: collections[i] as string,
      acked: runs[i]?.acked ?? 0,
    })),
  };
}
