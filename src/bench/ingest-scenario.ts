import { Operation } from '../domain/index.js';
import { benchCollectionConfig, progressFor, tallied, type BenchContext } from './context.js';
import { SyntheticTable } from './dataset.js';
import { clientOnlyFigure, runBaselines, type BaselineTargets } from './baselines.js';
import { chartRun, figure, ingestResult, ratio, type IngestCharts } from './ingest-results.js';
import { streamIngest, type IngestRun } from './ingest-stream.js';
import { Encoding } from './profiles.js';
import type { Baselines, ScenarioResult } from './report.js';

/** A collection the run filled on the service under test, for accounting and search. */
export interface IngestedCollection {
  readonly scenario: string;
  readonly table: SyntheticTable;
  readonly collection: string;
  readonly acked: number;
}

/** The ingest scenarios' results, the baselines and what the report draws of them. */
export interface IngestOutcome extends IngestCharts {
  readonly results: ScenarioResult[];
  readonly baselines: Baselines;
  readonly collections: IngestedCollection[];
  readonly serverPeakPrimaryMb?: number;
}

/**
 * The primary ingest (f32le, events on) through UpsertStream; then, fed the very same
 * batches, the direct, ceiling and events-off baselines (self-contained mode only); then the
 * variants (other encodings × batch sizes) on the service under test.
 */
export async function ingestScenarios(
  ctx: BenchContext,
  baselineTargets: BaselineTargets | undefined,
): Promise<IngestOutcome> {
  const { options } = ctx;
  const tenantId = `${ctx.runPrefix}-etl`;
  const primary = new SyntheticTable(
    tenantId,
    'work_items',
    options.dims,
    options.vectors,
    options.seed,
  );
  const primaryName = ctx.naming.ref(tenantId, primary.table).name;
  const charts: IngestCharts = { throughput: [], latency: [] };
  const results: ScenarioResult[] = [];
  const collections: IngestedCollection[] = [];
  const run = await ingestOnService(ctx, primary, options.batchSize, Encoding.F32le);
  results.push(ingestResult('ingest', run, primary, options.batchSize, Encoding.F32le));
  collections.push({
    scenario: 'ingest',
    table: primary,
    collection: primaryName,
    acked: run.acked,
  });
  chartRun(charts, 'service (events on)', run);
  const service = figure(run);
  const clientOnly = clientOnlyFigure(primary, options.batchSize);
  let baselines: Baselines = { service, client_only: clientOnly, ratios: {} };
  let serverPeakPrimaryMb: number | undefined;
  if (baselineTargets !== undefined) {
    serverPeakPrimaryMb = baselineTargets.server.rss.peakMb();
    const runs = await runBaselines(ctx, primary, primaryName, baselineTargets, charts);
    results.push(...runs.results);
    baselines = {
      service,
      client_only: clientOnly,
      direct: runs.direct,
      events_off: runs.eventsOff,
      ceiling: runs.ceiling,
      ratios: {
        service_vs_direct: ratio(service, runs.direct),
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
        tenantId,
        `v_${encoding}_b${batchSize}`,
        options.dims,
        options.variantVectors,
        options.seed + variant++,
      );
      const name = `ingest_${encoding}_b${batchSize}`;
      const variantRun = await ingestOnService(ctx, table, batchSize, encoding);
      results.push(ingestResult(name, variantRun, table, batchSize, encoding));
      collections.push({
        scenario: name,
        table,
        collection: ctx.naming.ref(tenantId, table.table).name,
        acked: variantRun.acked,
      });
      chartRun(charts, `${encoding} batch ${batchSize}`, variantRun);
    }
  }
  return {
    ...charts,
    results,
    baselines,
    collections,
    ...(serverPeakPrimaryMb === undefined ? {} : { serverPeakPrimaryMb }),
  };
}

async function ingestOnService(
  ctx: BenchContext,
  table: SyntheticTable,
  batchSize: number,
  encoding: Encoding,
): Promise<IngestRun> {
  const collection = ctx.naming.ref(table.tenantId, table.table).name;
  await tallied(ctx, Operation.EnsureCollection, collection, () =>
    ctx.api.ensureCollection({
      tenantId: table.tenantId,
      table: table.table,
      config: benchCollectionConfig(table.dims),
    }),
  );
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
