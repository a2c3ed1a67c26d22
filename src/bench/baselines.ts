import { connect, vectorAdminApi } from '../client/index.js';
import type { Logger } from '../domain/index.js';
import type { Progress } from '../logging/index.js';
import { UpsertRequest } from '../gen/vectoradmin/v1/vectoradmin.js';
import { benchCollectionConfig, progressFor, type BenchContext } from './context.js';
import type { SyntheticTable } from './dataset.js';
import {
  directIngest,
  floorIngest,
  type BaselineStores,
  type LocalIngestRun,
} from './direct-baseline.js';
import { chartRun, figure, ingestResult, type IngestCharts } from './ingest-results.js';
import { streamIngest, type IngestRun } from './ingest-stream.js';
import type { NodeService } from '../processes/index.js';
import { Encoding } from './profiles.js';
import type { IngestFigure, ScenarioResult } from './report.js';

/** What the baselines need from the self-contained stack. */
export interface BaselineTargets {
  readonly server: NodeService;
  readonly eventsOffAddress: string;
  readonly sinkAddress: string;
  readonly apiKey: string;
  readonly directDir: string;
  readonly floorDir: string;
  readonly logger: Logger;
  readonly stores: BaselineStores;
}

/** The baselines' results and figures. */
export interface BaselineRuns {
  readonly results: ScenarioResult[];
  readonly direct: IngestFigure;
  readonly floor: IngestFigure;
  /** The in-process runs, for their per-segment rates. */
  readonly directRun: LocalIngestRun;
  readonly floorRun: LocalIngestRun;
  readonly eventsOff: IngestFigure;
  readonly ceiling: IngestFigure;
}

// The client-only figure is measured on at most this many rows: enough to be steady.
const CLIENT_ONLY_MAX_ROWS = 20_000;

/**
 * Feeds the primary's very batches to (1) the store adapter in-process, (2) LanceDB `add`
 * alone (the store floor), (3) the service with events off and (4) a no-op gRPC sink, one
 * after another so they never share the CPU.
 */
export async function runBaselines(
  ctx: BenchContext,
  primary: SyntheticTable,
  collection: string,
  targets: BaselineTargets,
  charts: IngestCharts,
): Promise<BaselineRuns> {
  const { batchSize } = ctx.options;
  const results: ScenarioResult[] = [];
  const record = <R extends IngestRun>(
    name: string,
    chart: string,
    run: R,
    encoding: string,
    ok = true,
  ): R => {
    results.push(ingestResult(name, run, primary, batchSize, encoding, ok));
    chartRun(charts, chart, run);
    return run;
  };
  const inProcess = async (
    label: string,
    ingest: (progress: Progress) => Promise<LocalIngestRun>,
  ): Promise<LocalIngestRun> => {
    const progress = progressFor(ctx, label, primary.count);
    const run = await ingest(progress);
    progress.finish();
    return run;
  };
  const direct = await inProcess('direct baseline', (progress) =>
    directIngest(
      targets.stores,
      primary,
      collection,
      batchSize,
      targets.directDir,
      targets.logger,
      ctx.signal,
      progress,
    ),
  );
  record(
    'baseline_direct',
    'direct (in-process store)',
    direct,
    'in-process',
    direct.stored === primary.count,
  );
  const floor = await inProcess('store floor (LanceDB add)', (progress) =>
    floorIngest(
      targets.stores,
      primary,
      collection,
      batchSize,
      targets.floorDir,
      ctx.signal,
      progress,
    ),
  );
  record(
    'baseline_floor',
    'store floor (LanceDB add)',
    floor,
    'in-process',
    floor.stored === primary.count,
  );
  const remote = async (
    name: string,
    chart: string,
    address: string,
    isService: boolean,
    label: string,
  ) =>
    record(
      name,
      chart,
      await remoteIngest(ctx, address, targets.apiKey, primary, isService, label),
      Encoding.F32le,
    );
  const eventsOff = await remote(
    'baseline_events_off',
    'service (events off)',
    targets.eventsOffAddress,
    true,
    'events-off baseline',
  );
  const ceiling = await remote(
    'baseline_ceiling',
    'ceiling (no-op gRPC sink)',
    targets.sinkAddress,
    false,
    'ceiling (no-op sink)',
  );
  return {
    results,
    direct: figure(direct),
    floor: figure(floor),
    directRun: direct,
    floorRun: floor,
    eventsOff: figure(eventsOff),
    ceiling: figure(ceiling),
  };
}

/**
 * The bench client alone: build and protobuf-encode the primary's first batches, no I/O. When
 * the ceiling is close to this, the ceiling is the client's limit, not the transport's.
 */
export function clientOnlyFigure(primary: SyntheticTable, batchSize: number): IngestFigure {
  const rows = Math.min(primary.count, CLIENT_ONLY_MAX_ROWS);
  const started = performance.now();
  let bytes = 0;
  let seq = 1n;
  for (const points of primary.wireBatches(batchSize, Encoding.F32le, 0, rows)) {
    const request = {
      tenantId: primary.tenantId,
      table: primary.table,
      seq: seq++,
      points,
      autoCreate: undefined,
    };
    bytes += UpsertRequest.encode(request).finish().length;
  }
  const durationMs = performance.now() - started;
  return figure({
    acked: rows,
    durationMs,
    vectorsPerS: rows / (durationMs / 1000),
    mbPerS: bytes / 1e6 / (durationMs / 1000),
  });
}

// The events-off server and the sink get the primary's batches; the events-off copy is deleted
// afterwards (a million vectors is gigabytes of disk).
async function remoteIngest(
  ctx: BenchContext,
  address: string,
  apiKey: string,
  table: SyntheticTable,
  isService: boolean,
  label: string,
): Promise<IngestRun> {
  const connection = connect({ address, apiKey, maxMessageBytes: ctx.connectionMaxBytes });
  try {
    const api = vectorAdminApi(connection);
    const ref = { tenantId: table.tenantId, table: table.table };
    if (isService)
      await api.ensureCollection({ ...ref, config: benchCollectionConfig(table.dims) });
    const progress = progressFor(ctx, label, table.count);
    const run = await streamIngest(connection, table, {
      batchSize: ctx.options.batchSize,
      encoding: Encoding.F32le,
      window: ctx.options.window,
      progress,
      signal: ctx.signal,
    });
    progress.finish();
    if (isService) await api.deleteCollection(ref);
    return run;
  } finally {
    connection.close();
  }
}
