/** Vector wire encodings UpsertStream accepts. */
export const Encoding = { F32le: 'f32le', Dense: 'dense' } as const;
export type Encoding = (typeof Encoding)[keyof typeof Encoding];

/** Named sizes of a run: `quick` for CI, `default` for a realistic look, `full` for 1M vectors. */
export const Profile = { Quick: 'quick', Default: 'default', Full: 'full' } as const;
export type Profile = (typeof Profile)[keyof typeof Profile];

/** What a bench run does: sizes, shapes and concurrency of every scenario. */
export interface BenchOptions {
  readonly profile: Profile;
  /** Vectors of the primary ingest (and of each baseline fed the same batches). */
  readonly vectors: number;
  /** Vectors of each ingest variant (other encodings and batch sizes). */
  readonly variantVectors: number;
  readonly dims: number;
  /** Points per batch of the primary ingest and the baselines. */
  readonly batchSize: number;
  /** Batch sizes of the variants, crossed with `encodings`. */
  readonly batchSizes: readonly number[];
  readonly encodings: readonly Encoding[];
  /** Unacknowledged batches per stream. */
  readonly window: number;
  /** Tenants of the collection scenario (× tables). */
  readonly tenants: number;
  readonly tables: readonly string[];
  readonly collectionConcurrency: number;
  /** Search concurrency levels, each run for `searchMs`. */
  readonly searchConcurrency: readonly number[];
  readonly searchMs: number;
  /** Queries of each search level checked against brute force (its first answers). */
  readonly recallQueries: number;
  /**
   * Queries with default params sent one at a time before the timed levels, reported on their
   * own: the first searches of a table fill LanceDB's caches, which a long-running server has
   * already done.
   */
  readonly warmupQueries: number;
  /** After the primary ingest, how long to wait for its index to be green with every point. */
  readonly indexWaitMs: number;
  /** Points per segment of the ingest-rate-per-segment figures. */
  readonly segmentVectors: number;
  /** Concurrent-load scenario: streams (one tenant each), their total vectors, search workers. */
  readonly streams: number;
  readonly concurrentVectors: number;
  readonly searchWorkers: number;
  /** How long to wait for the consumer to account for every event of the run. */
  readonly consumerWaitMs: number;
  readonly seed: number;
}

/** The tables of a realistic ETL tenant; payloads are shaped after them. */
export const ETL_TABLES = [
  'work_items',
  'pull_requests',
  'users',
  'projects',
  'comments',
  'builds',
] as const;

const DEFAULT: BenchOptions = {
  profile: Profile.Default,
  vectors: 100_000,
  variantVectors: 20_000,
  dims: 1536,
  batchSize: 1024,
  batchSizes: [256, 1024],
  encodings: [Encoding.F32le, Encoding.Dense],
  window: 8,
  tenants: 10,
  tables: ETL_TABLES,
  collectionConcurrency: 4,
  searchConcurrency: [1, 8],
  searchMs: 5_000,
  recallQueries: 10,
  warmupQueries: 20,
  indexWaitMs: 300_000,
  segmentVectors: 10_000,
  streams: 4,
  concurrentVectors: 40_000,
  searchWorkers: 2,
  consumerWaitMs: 120_000,
  seed: 42,
};

/** Every profile's settings; flags override single fields. */
export const PROFILES: Readonly<Record<Profile, BenchOptions>> = {
  quick: {
    ...DEFAULT,
    profile: Profile.Quick,
    vectors: 5_000,
    variantVectors: 1_000,
    batchSizes: [256],
    tenants: 2,
    tables: ETL_TABLES.slice(0, 3),
    searchMs: 1_000,
    recallQueries: 5,
    warmupQueries: 5,
    indexWaitMs: 30_000,
    segmentVectors: 1_000,
    streams: 2,
    concurrentVectors: 2_000,
    searchWorkers: 1,
    consumerWaitMs: 30_000,
  },
  default: DEFAULT,
  full: {
    ...DEFAULT,
    profile: Profile.Full,
    vectors: 1_000_000,
    variantVectors: 50_000,
    searchMs: 10_000,
    // A brute-force answer over a million rows costs seconds per query.
    recallQueries: 5,
    indexWaitMs: 900_000,
    segmentVectors: 100_000,
    concurrentVectors: 100_000,
    consumerWaitMs: 300_000,
  },
};
