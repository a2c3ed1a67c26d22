import path from 'node:path';
import { Encoding, PROFILES, type BenchOptions } from '../bench/profiles.js';
import type { Config } from '../config/index.js';
import { validateTable } from '../domain/index.js';
import { UsageError, parse, positiveInt } from './args.js';
import type { CliCommand } from './args.js';
import { clientOptions } from './client-options.js';
import { toJson } from './format.js';
import { defaultSegmentVectors } from '../bench/segments.js';
import { BENCH_OPTIONS } from './bench-options.js';

const OPTIONS = BENCH_OPTIONS;

/** `vector-admin bench --help`. */
export const BENCH_USAGE = `usage: vector-admin bench [--quick|--full] [flags]

Starts the stack (server, events-off server, no-op sink, consumer, nats-server), measures
ingest, the vector index, search and accounting, and writes report.json/.md/.html.

profiles:  --quick (5,000 vectors, CI)   default (100,000)   --full (1,000,000)
sizes:     --vectors N  --variant-vectors N  --dims N  --batch-size N (primary)
           --batch-sizes N,N  --encodings f32le,dense (variants)  --window N
           --segment-vectors N   points per segment of the ingest-rate-per-segment figures
                                 (default a tenth of --vectors)
index:     --index-wait-seconds N  after the primary ingest, wait up to N s for its index to be
                                 green before searching
search:    --concurrency 1,8  levels, each run indexed (default params) and exact; filtered at
                                 1% and 10% selectivity run at concurrency 1
           --search-seconds N  per level   --recall-queries N  answers per level scored
                                 against brute force
           --warmup-queries N  default-params queries sent first, one at a time, reported apart
                                 (default 20; 5 with --quick; 0 for none)
load:      --tenants N  --tables a,b  --collection-concurrency N  --streams N
           --concurrent-vectors N  --search-workers N
run:       --seed N  --consumer-wait-seconds N  --out DIR  --work-dir DIR  --keep-data
           --use-nats (NATS_URL instead of a spawned nats-server)  --nats-server-bin PATH
           --address host:port --key KEY (an external server: client-side scenarios only)
           --json (print the JSON report)

Exit code 1 when a scenario failed (recall below target included); other targets are
reported in the table at the top of the report, not enforced.`;

type Values = ReturnType<typeof parse<typeof OPTIONS>>['values'];
type IntFlag = {
  [K in keyof typeof OPTIONS]: (typeof OPTIONS)[K]['type'] extends 'string' ? K : never;
}[keyof typeof OPTIONS];

/**
 * `vector-admin bench [--quick|--full] [flags]`: runs the load-test scenarios against a stack
 * it starts itself (or against --address), writes report.json/.md/.html under --out
 * (default .bench/<timestamp>/) and prints the Markdown summary (JSON with --json).
 * Exit code 1 when a scenario failed; targets are reported, not enforced.
 */
export const benchCommand: CliCommand = async (argv, config, out) => {
  const { values, positionals } = parse(argv, OPTIONS);
  if (values.help) {
    out(BENCH_USAGE);
    return;
  }
  if (positionals.length > 0)
    throw new UsageError(`bench takes no arguments: ${positionals.join(' ')}`);
  const options = benchOptions(values, config);
  const external = values.address === undefined ? undefined : clientOptions(config, values);
  const dir = values.out ?? path.join('.bench', new Date().toISOString().replace(/[:.]/g, '-'));
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  log(
    `profile ${options.profile}: ${options.vectors.toLocaleString('en-US')} vectors × ${options.dims} dims${external === undefined ? ', self-contained stack' : ` against ${external.address}`}`,
  );
  // Loaded past --help and the flag checks: the bench, the stores and the server take a second.
  const [{ renderMarkdown, runBench, writeReport }, stores, { embeddedStoreOptions }] =
    await Promise.all([
      import('../bench/index.js'),
      import('../stores/index.js'),
      import('../main-server.js'),
    ]);
  const report = await runBench(config, options, {
    stores: {
      // The direct baseline's store is tuned like the service's, so the two compare.
      openStore: (options) =>
        stores.createEmbeddedVectorStore({
          ...(config.store.kind === 'embedded' ? embeddedStoreOptions(config.store) : {}),
          ...options,
        }),
      openAppendFloor: stores.openEmbeddedAppendFloor,
    },
    ...(external === undefined ? {} : { external }),
    nats: {
      useConfigured: values['use-nats'],
      ...(values['nats-server-bin'] === undefined ? {} : { binary: values['nats-server-bin'] }),
    },
    ...(values['work-dir'] === undefined ? {} : { workParent: values['work-dir'] }),
    keepData: values['keep-data'],
    progressOut: process.stderr,
    log,
  });
  const files = await writeReport(report, dir);
  out(values.json ? toJson(report) : renderMarkdown(report));
  log(`reports: ${files.json}, ${files.markdown}, ${files.html}`);
  if (report.interrupted) process.exitCode = 130;
  else if (!report.success) process.exitCode = 1;
};

function benchOptions(values: Values, config: Config): BenchOptions {
  if (values.quick && values.full) throw new UsageError('--quick and --full exclude each other');
  const base = PROFILES[values.quick ? 'quick' : values.full ? 'full' : 'default'];
  const int = (flag: IntFlag, fallback: number) => positiveInt(values[flag], flag, fallback);
  const vectors = int('vectors', base.vectors);
  const batchSize = int('batch-size', base.batchSize);
  const options: BenchOptions = {
    ...base,
    vectors,
    variantVectors: int('variant-vectors', base.variantVectors),
    dims: int('dims', base.dims),
    batchSize,
    batchSizes: intList(values['batch-sizes'], 'batch-sizes', base.batchSizes),
    encodings: encodings(values.encodings, base.encodings),
    window: int('window', base.window),
    tenants: int('tenants', base.tenants),
    tables: tables(values.tables, base.tables),
    collectionConcurrency: int('collection-concurrency', base.collectionConcurrency),
    searchConcurrency: intList(values.concurrency, 'concurrency', base.searchConcurrency),
    searchMs: int('search-seconds', base.searchMs / 1000) * 1000,
    recallQueries: int('recall-queries', base.recallQueries),
    warmupQueries: nonNegativeInt(values['warmup-queries'], 'warmup-queries', base.warmupQueries),
    indexWaitMs:
      nonNegativeInt(values['index-wait-seconds'], 'index-wait-seconds', base.indexWaitMs / 1000) *
      1000,
    // A profile's segment size fits its volume; another volume gets a tenth of itself.
    segmentVectors: int(
      'segment-vectors',
      vectors === base.vectors ? base.segmentVectors : defaultSegmentVectors(vectors, batchSize),
    ),
    streams: int('streams', base.streams),
    concurrentVectors: int('concurrent-vectors', base.concurrentVectors),
    searchWorkers: nonNegativeInt(values['search-workers'], 'search-workers', base.searchWorkers),
    consumerWaitMs: int('consumer-wait-seconds', base.consumerWaitMs / 1000) * 1000,
    seed: int('seed', base.seed),
  };
  const max = config.limits.maxBatchPoints;
  for (const size of [options.batchSize, ...options.batchSizes]) {
    if (size > max)
      throw new UsageError(`batch size ${size} exceeds VECTORADMIN_MAX_BATCH_POINTS (${max})`);
  }
  return options;
}

function intList(value: string | undefined, flag: string, fallback: readonly number[]): number[] {
  if (value === undefined) return [...fallback];
  return value.split(',').map((part) => positiveInt(part.trim(), flag, 0));
}

function encodings(value: string | undefined, fallback: readonly Encoding[]): Encoding[] {
  if (value === undefined) return [...fallback];
  return value.split(',').map((part) => {
    const encoding = part.trim();
    if (encoding !== Encoding.F32le && encoding !== Encoding.Dense)
      throw new UsageError('--encodings must list f32le and/or dense');
    return encoding;
  });
}

function tables(value: string | undefined, fallback: readonly string[]): string[] {
  if (value === undefined) return [...fallback];
  const list = value.split(',').map((t) => t.trim());
  for (const table of list) {
    try {
      validateTable(table);
    } catch {
      throw new UsageError(
        `--tables: "${table}" is not a table name (a-z, 0-9, _; a letter first)`,
      );
    }
  }
  return list;
}

function nonNegativeInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${flag} must be 0 or more`);
  return n;
}
