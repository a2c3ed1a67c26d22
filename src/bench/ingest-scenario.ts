import { Operation } from '../domain/index.js';
import { benchCollectionConfig, progressFor, tallied, type BenchContext } from './context.js';
import { SyntheticTable } from './dataset.js';
import { clientOnlyFigure, runBaselines, type BaselineTargets } from './baselines.js';
import { IndexWatch } from './index-watch.js';
import { chartRun, figure, ingestResult, ratio, type IngestCharts } from './ingest-results.js';
import { streamIngest, type IngestRun } from './ingest-stream.js';
import { Encoding } from './profiles.js';
import type { Baselines, IndexWatchReport, ScenarioResult, SegmentedIngest } from './report.js';
import { lastVsFirst, segmentRates, type AckMark } from './segments.js';

/** A collection the run filled on the service under test, for accounting and search. */
export interface IngestedCollection {
  readonly scenario: string;
  readonly table: SyntheticTable;
  readonly collection: string;
  readonly acked: number;
}

/** The primary ingest: the collection at the run's volume, and its index watched meanwhile. */
export interface PrimaryIngest {
  readonly result: ScenarioResult;
  readonly run: IngestRun;
  readonly collection: IngestedCollection;
  readonly watch: IndexWatch;
}

/** The ingests after the primary: baselines (self-contained only) and variants. */
export interface IngestOutcome extends IngestCharts {
  readonly results: ScenarioResult[];
  readonly baselines: Baselines;
  readonly collections: IngestedCollection[];
  readonly segments: SegmentedIngest[];
}

/**
 * The primary ingest (f32le, events on) through UpsertStream, with the collection's index
 * sampled through GetCollection while it runs.
 */
export async function primaryIngest(ctx: BenchContext): Promise<PrimaryIngest> {
  const { options } = ctx;
  const tenantId = `${ctx.runPrefix}-etl`;
  const table = new SyntheticTable(
    tenantId,
    'work_items',
    options.dims,
    options.vectors,
    options.seed,
  );
  const name = ctx.naming.ref(tenantId, table.table).name;
  await ensureBenchCollection(ctx, table);
  const watch = new IndexWatch(ctx, { tenantId, table: table.table }, name);
  watch.start();
  const run = await ingestOnService(ctx, table, options.batchSize, Encoding.F32le, false);
  return {
    result: ingestResult('ingest', run, table, options.batchSize, Encoding.F32le),
    run,
    collection: { scenario: 'ingest', table, collection: name, acked: run.acked },
    watch,
  };
}

/** Waits for the primary's index to catch up; the report says how long it took. */
export async function indexWait(
  ctx: BenchContext,
  primary: PrimaryIngest,
): Promise<{ result: ScenarioResult; report: IndexWatchReport }> {
  const started = performance.now();
  ctx.log(`index: waiting up to ${ctx.options.indexWaitMs / 1000} s for green`);
  const report = await primary.watch.finish(ctx.options.indexWaitMs);
  const last = report.final;
  ctx.log(
    `index: ${report.caught_up ? 'caught up' : 'NOT caught up'} after ${report.wait_s} s (${last?.status ?? '?'}, ${last?.indexed ?? '?'} of ${last?.points ?? '?'} indexed, most unindexed at once ${report.max_lag})`,
  );
  return {
    result: {
      test_name: 'index_wait',
      // Reported, not enforced: a slow index is a target missed, searches still answer.
      success: true,
      duration: Math.round(performance.now() - started) / 1000,
      records_processed: report.samples.length,
      vectors_created: 0,
      errors: [],
      metrics: {
        caught_up: report.caught_up,
        wait_s: report.wait_s,
        max_lag: report.max_lag,
        final: report.final ?? null,
      },
    },
    report,
  };
}

/**
 * Fed the primary's very batches: the direct, store floor, ceiling and events-off baselines
 * (self-contained mode only); then the variants (other encodings × batch sizes) on the
 * service under test.
 */
export async function followingIngests(
  ctx: BenchContext,
  primary: PrimaryIngest,
  baselineTargets: BaselineTargets | undefined,
): Promise<IngestOutcome> {
  const { options } = ctx;
  const { table: primaryTable, collection: primaryName } = primary.collection;
  const charts: IngestCharts = { throughput: [], latency: [] };
  const results: ScenarioResult[] = [];
  const collections: IngestedCollection[] = [];
  chartRun(charts, 'service (events on)', primary.run);
  const service = figure(primary.run);
  const clientOnly = clientOnlyFigure(primaryTable, options.batchSize);
  let baselines: Baselines = { service, client_only: clientOnly, ratios: {} };
  const segments = [primarySegments(primary, options)];
  if (baselineTargets !== undefined) {
    const runs = await runBaselines(ctx, primaryTable, primaryName, baselineTargets, charts);
    results.push(...runs.results);
    segments.push(
      segmented('direct: store adapter in-process', runs.directRun.marks, options),
      segmented('store floor: LanceDB add, no merge', runs.floorRun.marks, options),
    );
    baselines = {
      service,
      client_only: clientOnly,
      direct: runs.direct,
      floor: runs.floor,
      events_off: runs.eventsOff,
      ceiling: runs.ceiling,
      ratios: {
        service_vs_direct: ratio(service, runs.direct),
        direct_vs_floor: ratio(runs.direct, runs.floor),
        service_vs_ceiling: ratio(service, runs.ceiling),
        events_on_vs_off: ratio(service, runs.eventsOff),
      },
    };
  }
  let variant = 1;
  for (const encoding of options.encodings) {
    for (const batchSize of options.batchSizes) {
      if (encoding === Encoding.F32le && batchSize === options.batchSize) continue;
      const table = new SyntheticTable(
        primaryTable.tenantId,
        `v_${encoding}_b${batchSize}`,
        options.dims,
        options.variantVectors,
        options.seed + variant++,
      );
      const name = `ingest_${encoding}_b${batchSize}`;
      const variantRun = await ingestOnService(ctx, table, batchSize, encoding, true);
      results.push(ingestResult(name, variantRun, table, batchSize, encoding));
      collections.push({
        scenario: name,
        table,
        collection: ctx.naming.ref(table.tenantId, table.table).name,
        acked: variantRun.acked,
      });
      chartRun(charts, `${encoding} batch ${batchSize}`, variantRun);
    }
  }
  return { ...charts, results, baselines, collections, segments };
}

/** The primary ingest cut into segments (kept by a run stopped before the baselines). */
export function primarySegments(
  primary: PrimaryIngest,
  options: BenchContext['options'],
): SegmentedIngest {
  return segmented('service: UpsertStream, events on', primary.run.marks, options);
}

function segmented(
  path: string,
  marks: readonly AckMark[],
  options: BenchContext['options'],
): SegmentedIngest {
  const segments = segmentRates(marks, options.segmentVectors);
  const ratioOf = lastVsFirst(segments);
  return {
    path,
    segment_vectors: options.segmentVectors,
    segments,
    ...(ratioOf === undefined ? {} : { last_vs_first: ratioOf }),
  };
}

async function ensureBenchCollection(ctx: BenchContext, table: SyntheticTable): Promise<void> {
  const collection = ctx.naming.ref(table.tenantId, table.table).name;
  await tallied(ctx, Operation.EnsureCollection, collection, () =>
    ctx.api.ensureCollection({
      tenantId: table.tenantId,
      table: table.table,
      config: benchCollectionConfig(table.dims),
    }),
  );
}

async function ingestOnService(
  ctx: BenchContext,
  table: SyntheticTable,
  batchSize: number,
  encoding: Encoding,
  ensure: boolean,
): Promise<IngestRun> {
  const collection = ctx.naming.ref(table.tenantId, table.table).name;
  if (ensure) await ensureBenchCollection(ctx, table);
  const progress = progressFor(
    ctx,
    `${table.table} (${encoding}, batch ${batchSize})`,
    table.count,
  );
  const run = await streamIngest(ctx.connection, table, {
    batchSize,
    encoding,
    window: ctx.options.window,
    progress,
    signal: ctx.signal,
    tally: { tally: ctx.tally, collection },
  });
  progress.finish();
  return run;
}
