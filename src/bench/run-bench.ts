import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { connect, vectorAdminApi, type ConnectOptions } from '../client/index.js';
import { embeddedStoreEnv, type Config } from '../config/index.js';
import { CollectionNaming } from '../domain/index.js';
import { silentLogger } from '../logging/index.js';
import { accounting, readStored } from './accounting.js';
import { collectionsScenario } from './collections-scenario.js';
import { concurrentScenario } from './concurrent-scenario.js';
import { seconds, type BenchContext } from './context.js';
import type { BaselineStores } from './direct-baseline.js';
import { awaitConsumer, crossCheck, type RunSummaries } from './cross-check.js';
import {
  followingIngests,
  indexWait,
  primaryIngest,
  primarySegments,
  type IngestOutcome,
  type IngestedCollection,
  type PrimaryIngest,
} from './ingest-scenario.js';
import type { BenchOptions } from './profiles.js';
import type {
  BenchReport,
  ChartData,
  CrossCheck,
  IndexWatchReport,
  ScenarioResult,
  SegmentedIngest,
} from './report.js';
import { probeScenario } from './probe-scenario.js';
import { searchScenario } from './search-scenario.js';
import { startBenchStack, type BenchStack, type NatsChoice } from './stack.js';
import { ClientTally } from './tally.js';
import { evaluateTargets } from './targets.js';
import {
  environment,
  loadAverage,
  memoryOf,
  notes,
  onInterrupt,
  rssSeries,
  type PrimaryMemory,
} from './run-environment.js';

/** How a run reaches its server and where it keeps its data. */
export interface RunOptions {
  /** The store adapters the in-process baselines measure. */
  readonly stores: BaselineStores;
  /** A server to bench instead of starting the stack: client-side scenarios only. */
  readonly external?: ConnectOptions;
  readonly nats: NatsChoice;
  /** Parent of the run's data dir (stores, NATS, logs); the OS temp dir by default. */
  readonly workParent?: string;
  /** Keep the run's data dir (and the services' logs) instead of deleting it. */
  readonly keepData: boolean;
  readonly progressOut: NodeJS.WriteStream;
  readonly log: (line: string) => void;
}

const SKIPPED_EXTERNAL = [
  'baseline_direct: needs the in-process store of the self-contained stack',
  'baseline_ceiling: needs the self-contained stack (no-op sink)',
  'baseline_events_off: needs the self-contained stack (second server)',
  'cross-check with the consumer: no consumer of this run',
  'peak RSS of server and consumer: not our processes',
  "probe: RunPerformanceTest runs on the self-contained stack's probe tenant",
];

/** Runs every scenario and returns the report; scenario failures are recorded, not thrown. */
export async function runBench(
  config: Config,
  options: BenchOptions,
  run: RunOptions,
): Promise<BenchReport> {
  const startedAt = new Date();
  const loadAtStart = loadAverage();
  const runId = randomBytes(3).toString('hex');
  const workParent = run.workParent ?? os.tmpdir();
  await mkdir(workParent, { recursive: true });
  const workDir = await mkdtemp(path.join(workParent, 'vector-admin-bench-'));
  let stack: BenchStack | undefined;
  const abort = new AbortController();
  const uninstall = onInterrupt(abort, () => stack, run.log);
  try {
    if (run.external === undefined) {
      run.log(`starting the stack in ${workDir}`);
      stack = await startBenchStack(config, workDir, runId, run.nats, run.log);
    }
    const connectOptions: ConnectOptions = run.external ?? {
      address: stack?.address ?? '',
      apiKey: stack?.adminKey ?? '',
      maxMessageBytes: config.grpc.maxMessageBytes,
    };
    const connection = connect(connectOptions);
    try {
      const ctx: BenchContext = {
        options,
        connection,
        connectionMaxBytes: config.grpc.maxMessageBytes,
        api: vectorAdminApi(connection),
        tally: new ClientTally(),
        naming: new CollectionNaming(config.collections.prefix),
        runPrefix: `b${runId}`,
        signal: abort.signal,
        progressOut: run.progressOut,
        log: run.log,
      };
      const body = await scenarios(ctx, stack, workDir, run.stores);
      const memory = memoryOf(stack, body.memory);
      const search = body.results.find((r) => r.test_name === 'search');
      return {
        schema: 'vector-admin-bench/1',
        run_id: runId,
        started_at: startedAt.toISOString(),
        finished_at: new Date().toISOString(),
        mode: stack === undefined ? 'external' : 'self-contained',
        server_address: connectOptions.address,
        options,
        environment: environment(loadAtStart, stack === undefined ? {} : embeddedStoreEnv(config)),
        notes: notes(stack),
        scenarios: body.results,
        ...(stack === undefined || body.ingest === undefined
          ? {}
          : { baselines: body.ingest.baselines }),
        ingest_segments: body.ingest?.segments ?? body.primarySegments,
        ...(body.index === undefined ? {} : { index: body.index }),
        targets: evaluateTargets({
          baselines: body.ingest?.baselines,
          segments: body.ingest?.segments ?? [],
          memory,
          search: search?.metrics,
          index: body.index,
          vectors: options.vectors,
          dims: options.dims,
        }),
        accounting: body.accountingRows,
        cross_check: body.crossCheck,
        memory,
        charts: { ...body.charts, rss: rssSeries(stack) },
        skipped: stack === undefined ? SKIPPED_EXTERNAL : [],
        success: body.results.every((r) => r.success),
        interrupted: abort.signal.aborted,
      };
    } finally {
      connection.close();
    }
  } finally {
    uninstall();
    await stack?.stop();
    if (!run.keepData) await rm(workDir, { recursive: true, force: true });
  }
}

interface ScenarioBody {
  readonly results: ScenarioResult[];
  readonly ingest: IngestOutcome | undefined;
  readonly index: IndexWatchReport | undefined;
  /** The primary ingest's segments alone, for a run that stopped before the baselines. */
  readonly primarySegments: SegmentedIngest[];
  readonly memory: PrimaryMemory;
  readonly accountingRows: BenchReport['accounting'];
  readonly crossCheck: CrossCheck;
  readonly charts: Omit<ChartData, 'rss'>;
}

// Order: the primary ingest, its index catching up, searches on it (so its RSS figure covers
// writing, indexing and searching the volume), then the baselines, which must not share the CPU
// with the index build, then the variants and the concurrent load.
async function scenarios(
  ctx: BenchContext,
  stack: BenchStack | undefined,
  workDir: string,
  stores: BaselineStores,
): Promise<ScenarioBody> {
  const results: ScenarioResult[] = [];
  const memory: { ingestMb?: number; primaryMb?: number } = {};
  await attempt(results, 'collections', ctx.signal, () => collectionsScenario(ctx));
  if (stack !== undefined) await attempt(results, 'probe', ctx.signal, () => probeScenario(ctx));
  let primary: PrimaryIngest | undefined;
  await attempt(results, 'ingest', ctx.signal, async () => {
    primary = await primaryIngest(ctx);
    memory.ingestMb = stack?.server.rss.peakMb();
    return primary.result;
  });
  let index: IndexWatchReport | undefined;
  let curve: ChartData['concurrency'] = [];
  if (primary !== undefined) {
    const watched = primary;
    await attempt(results, 'index_wait', ctx.signal, async () => {
      const waited = await indexWait(ctx, watched);
      index = waited.report;
      return waited.result;
    });
    // Stopped before or during the wait: the samples taken while ingesting still count.
    index ??= await watched.watch.stopped();
    if (watched.collection.acked > 0) {
      await attempt(results, 'search', ctx.signal, async () => {
        const outcome = await searchScenario(ctx, watched.collection, watched.watch);
        curve = outcome.curve;
        return outcome.result;
      });
    }
    memory.primaryMb = stack?.server.rss.peakMb();
  }
  let ingest: IngestOutcome | undefined;
  if (primary !== undefined) {
    const first = primary;
    await attempt(results, 'baselines', ctx.signal, async () => {
      ingest = await followingIngests(
        ctx,
        first,
        stack === undefined
          ? undefined
          : {
              server: stack.server,
              eventsOffAddress: stack.eventsOffAddress,
              sinkAddress: stack.sinkAddress,
              apiKey: stack.adminKey,
              directDir: path.join(workDir, 'direct'),
              floorDir: path.join(workDir, 'floor'),
              logger: silentLogger,
              stores,
            },
      );
      results.push(...ingest.results);
    });
  }
  const ingested: IngestedCollection[] = [
    ...(primary === undefined ? [] : [primary.collection]),
    ...(ingest?.collections ?? []),
  ];
  const all = [...ingested];
  await attempt(results, 'concurrent_load', ctx.signal, async () => {
    const outcome = await concurrentScenario(ctx, ingested);
    all.push(...outcome.collections);
    return outcome.result;
  });
  const accountingStarted = performance.now();
  let stored = new Map<string, number>();
  let crossChecked: CrossCheck = {
    available: false,
    reason:
      stack === undefined
        ? 'external server: no consumer of this run'
        : (stack.consumerUnavailable ?? 'consumer not available'),
    operations: [],
    latency: [],
  };
  let summaries: RunSummaries | undefined;
  let accountingRows: BenchReport['accounting'] = [];
  await attempt(results, 'accounting', ctx.signal, async () => {
    stored = await readStored(ctx, all);
    if (stack?.consumer !== undefined) {
      ctx.log('waiting for the consumer to account for every event');
      const waited = await awaitConsumer(
        stack.consumerConfig,
        ctx.runPrefix,
        ctx.tally,
        ctx.options.consumerWaitMs,
        ctx.signal,
      );
      summaries = waited.summaries;
      crossChecked = crossCheck(ctx.tally, waited.summaries, waited.waitedMs, waited.complete);
    }
    const outcome = accounting(all, stored, summaries, accountingStarted);
    accountingRows = outcome.rows;
    return outcome.result;
  });
  return {
    results,
    ingest,
    index,
    primarySegments: primary === undefined ? [] : [primarySegments(primary, ctx.options)],
    memory: {
      ...(memory.ingestMb === undefined ? {} : { ingestMb: memory.ingestMb }),
      ...(memory.primaryMb === undefined ? {} : { primaryMb: memory.primaryMb }),
    },
    accountingRows,
    crossCheck: crossChecked,
    charts: {
      throughput: ingest?.throughput ?? [],
      latency: ingest?.latency ?? [],
      concurrency: curve,
    },
  };
}

// A scenario that throws is recorded as failed and the run goes on.
async function attempt(
  results: ScenarioResult[],
  name: string,
  signal: AbortSignal,
  fn: () => Promise<ScenarioResult | void>,
): Promise<void> {
  const started = performance.now();
  try {
    signal.throwIfAborted();
    const result = await fn();
    if (result !== undefined) results.push(result);
  } catch (err) {
    results.push({
      test_name: name,
      success: false,
      duration: seconds(performance.now() - started),
      records_processed: 0,
      vectors_created: 0,
      errors: [(err as Error).message],
      metrics: {},
    });
  }
}
