import { z } from 'zod';
import { TENANT_ID } from '../domain/naming.js';

const bool = z
  .enum(['on', 'off', 'true', 'false', '1', '0'])
  .transform((v) => ['on', 'true', '1'].includes(v));
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:50051');

/**
 * Every environment variable the service, consumer and CLI read, with its default. The README's
 * configuration table lists exactly these.
 */
export const envSchema = z.object({
  VECTORADMIN_GRPC_ADDR: hostPort.default('127.0.0.1:50051'),
  VECTORADMIN_STORE: z.enum(['embedded', 'qdrant']).default('embedded'),
  VECTORADMIN_DATA_DIR: z.string().min(1).default('./data'),
  /** Free space the embedded store keeps on the data disk: writes are refused below it. */
  VECTORADMIN_MIN_FREE_DISK_BYTES: int(0, Number.MAX_SAFE_INTEGER).default(8 * 1024 * 1024),
  /** Points at which an embedded collection gets its vector index (built in the background). */
  VECTORADMIN_EMBEDDED_INDEX_THRESHOLD: int(1, Number.MAX_SAFE_INTEGER).default(20_000),
  /**
   * hnsw_sq: fastest while its index fits the cache; ivf_rq: memory bounded at any size;
   * auto: hnsw_sq until a collection holds VECTORADMIN_EMBEDDED_INDEX_IVF_RQ_ROWS points.
   */
  VECTORADMIN_EMBEDDED_INDEX_KIND: z.enum(['auto', 'hnsw_sq', 'ivf_rq']).default('auto'),
  /** auto only: points from which a collection's index is rebuilt as ivf_rq. */
  VECTORADMIN_EMBEDDED_INDEX_IVF_RQ_ROWS: int(1, Number.MAX_SAFE_INTEGER).default(100_000),
  /**
   * Vector index builds and updates wait for a 5 s pause in a collection's writes, at most this
   * long; until then rows the index does not cover are searched exactly.
   */
  VECTORADMIN_EMBEDDED_INDEX_MAX_DEFER_MS: int(0, 86_400_000).default(600_000),
  /** Default HNSW search breadth of the embedded store; a query's hnsw_ef overrides it. */
  VECTORADMIN_EMBEDDED_INDEX_EF: int(1, 10_000).default(128),
  /** Default IVF partitions an ivf_rq search visits; a query's hnsw_ef overrides it. */
  VECTORADMIN_EMBEDDED_INDEX_NPROBES: int(1, 10_000).default(20),
  /**
   * process: index builds, updates and compactions run in a child process at the lowest CPU
   * priority (their CPU and memory are not the service's); inline: in the service process.
   */
  VECTORADMIN_EMBEDDED_INDEX_BUILDER: z.enum(['process', 'inline']).default('process'),
  /**
   * process builder only: builder processes running at once, store-wide (the rest queue); each
   * holds its own LanceDB pools and, training, much memory (1.3 GB in a 200,000-point hnsw_sq
   * build). Unset: one per core.
   */
  VECTORADMIN_EMBEDDED_INDEX_BUILDERS: int(1, 1024).optional(),
  /**
   * LanceDB's index cache, shared by all embedded collections. An HNSW_SQ index that does not
   * fit is re-read from disk on every search, slower than an exact scan (docs/BENCHMARKS.md).
   */
  VECTORADMIN_EMBEDDED_INDEX_CACHE_MB: int(16, 1_048_576).default(1024),
  /** Flat scans of tables large enough to be indexed that may run at once (docs/BENCHMARKS.md). */
  VECTORADMIN_EMBEDDED_MAX_LARGE_SCANS: int(1, 64).default(1),
  /** Searches of the embedded store running at once, the rest queue. Unset: two per core. */
  VECTORADMIN_EMBEDDED_MAX_SEARCHES: int(1, 1024).optional(),
  VECTORADMIN_API_KEYS: z.string().default(''),
  VECTORADMIN_API_KEYS_FILE: z.string().optional(),
  VECTORADMIN_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  /** The key the CLI and bench present as clients. */
  VECTORADMIN_API_KEY: z.string().optional(),
  VECTORADMIN_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  VECTORADMIN_MAX_BATCH_POINTS: int(1, 100_000).default(1024),
  VECTORADMIN_MAX_PAYLOAD_BYTES: int(1, 64 * 1024 * 1024).default(64 * 1024),
  VECTORADMIN_MAX_MESSAGE_BYTES: int(1024, 1024 * 1024 * 1024).default(64 * 1024 * 1024),
  VECTORADMIN_MAX_SEARCH_LIMIT: int(1, 100_000).default(1000),
  VECTORADMIN_STREAM_WINDOW: int(1, 1024).default(8),
  VECTORADMIN_MAX_STREAMS_PER_TENANT: int(1, 100_000).default(64),
  VECTORADMIN_MAX_STREAMS_PER_CONNECTION: int(1, 10_000).default(16),
  VECTORADMIN_STREAM_IDLE_TIMEOUT_MS: int(1000, 24 * 3600 * 1000).default(300_000),
  VECTORADMIN_MAX_INFLIGHT_BYTES: int(1024 * 1024, 64 * 1024 * 1024 * 1024).default(
    256 * 1024 * 1024,
  ),
  /** Bytes of store writes all tenants may have running at once, served in turn (0: no limit). */
  VECTORADMIN_WRITE_INFLIGHT_BYTES: int(0, 64 * 1024 * 1024 * 1024).default(16 * 1024 * 1024),
  /** Bytes of store writes one tenant may have running at once (0: no limit). */
  VECTORADMIN_TENANT_INFLIGHT_BYTES: int(0, 64 * 1024 * 1024 * 1024).default(0),
  VECTORADMIN_SHUTDOWN_TIMEOUT_MS: int(0, 600_000).default(10_000),
  /** How often the service hands freed heap memory back to the kernel (glibc; 0: never). */
  VECTORADMIN_MALLOC_TRIM_MS: int(0, 600_000).default(1000),
  /** ...once resident memory grew this many MiB above its low since the last trim (0: always). */
  VECTORADMIN_MALLOC_TRIM_GROWTH_MB: int(0, 1024 * 1024).default(256),
  VECTORADMIN_TLS_CERT: z.string().optional(),
  VECTORADMIN_TLS_KEY: z.string().optional(),
  VECTORADMIN_TLS_CA: z.string().optional(),
  QDRANT_URL: z.url().optional(),
  QDRANT_HOST: z.string().min(1).default('localhost'),
  QDRANT_PORT: int(1, 65535).default(6333),
  /** Qdrant's gRPC port on the host of QDRANT_URL (the points path; see docs/OPERATIONS.md). */
  QDRANT_GRPC_PORT: int(1, 65535).default(6334),
  /** Points over gRPC or REST; auto: gRPC unless only REST answers at start-up. */
  QDRANT_TRANSPORT: z.enum(['auto', 'grpc', 'rest']).default('auto'),
  QDRANT_API_KEY: z.string().optional(),
  QDRANT_TIMEOUT: z.coerce.number().positive().max(3600).default(30),
  QDRANT_WRITE_ORDERING: z.enum(['weak', 'medium', 'strong']).default('weak'),
  QDRANT_COLLECTION_PREFIX: z
    .string()
    .regex(/^[a-z0-9_-]{0,32}$/, 'must be 0-32 of a-z 0-9 _ -')
    .default('client_'),
  QDRANT_DEFAULT_VECTOR_SIZE: int(1, 65536).default(1536),
  /** Table profile file (YAML or JSON); unset: the built-in profile (table-profiles.ts). */
  VECTORADMIN_TABLES_FILE: z.string().optional(),
  VECTORADMIN_EVENTS: bool.default(true),
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_CREDS: z.string().optional(),
  VECTORADMIN_EVENTS_STREAM: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('VECTORADMIN_EVENTS'),
  VECTORADMIN_EVENTS_MAX_AGE_MS: int(0, Number.MAX_SAFE_INTEGER).default(7 * 24 * 3600 * 1000),
  VECTORADMIN_EVENTS_MAX_BYTES: int(-1, Number.MAX_SAFE_INTEGER).default(1024 * 1024 * 1024),
  VECTORADMIN_EVENTS_REPLICAS: int(1, 5).default(1),
  VECTORADMIN_OUTBOX_MAX_EVENTS: int(1, 100_000_000).default(1_000_000),
  VECTORADMIN_CONSUMER_NAME: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/)
    .default('vectoradmin-metrics'),
  VECTORADMIN_CONSUMER_ACK_WAIT_MS: int(1000, 3600 * 1000).default(30_000),
  VECTORADMIN_CONSUMER_PARTITIONS: int(1, 1024).default(1),
  VECTORADMIN_CONSUMER_PARTITION: int(0, 1023).default(0),
  VECTORADMIN_CONSUMER_LEASE_TTL_MS: int(1000, 600_000).default(10_000),
  VECTORADMIN_DASHBOARD_ADDR: hostPort.default('127.0.0.1:8090'),
  VECTORADMIN_PROMETHEUS_ADDR: hostPort.default('127.0.0.1:9464'),
  VECTORADMIN_HTTP_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  VECTORADMIN_SUMMARY_WINDOW_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  VECTORADMIN_ALERT_SERVER_ERROR_RATE: z.coerce.number().min(0).max(1).default(0.05),
  VECTORADMIN_ALERT_AUTH_FAILURES: int(1, 1_000_000_000).default(20),
  VECTORADMIN_ALERT_MIN_OPS: int(1, 1_000_000_000).default(10),
  VECTORADMIN_ALERT_P99_MS: z.coerce.number().positive().default(2000),
  VECTORADMIN_ALERT_IDLE_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  /** Alert when a performance probe run takes longer than this. */
  VECTORADMIN_ALERT_PROBE_MS: z.coerce.number().positive().default(10_000),
  /** The tenant whose own collection the performance probe writes, searches and deletes. */
  PERFORMANCE_TEST_TENANT_ID: z
    .string()
    .regex(TENANT_ID, 'must be a tenant id: 1-63 of a-z 0-9 -')
    .optional(),
  /** Run the probe on a schedule (RunPerformanceTest works on demand either way). */
  PERFORMANCE_TEST_ENABLED: bool.default(false),
  PERFORMANCE_TEST_INTERVAL_MS: int(1000, 24 * 3600 * 1000).default(60_000),
  /** Vectors one probe run writes, searches among and counts: its size bound. */
  PERFORMANCE_TEST_POINTS: int(10, 10_000).default(300),
  PERFORMANCE_TEST_VECTOR_SIZE: int(2, 4096).default(128),
  /** A run still going after this long is reported failed (its clean-up still runs). */
  PERFORMANCE_TEST_TIMEOUT_MS: int(100, 600_000).default(30_000),
});

export type Env = z.infer<typeof envSchema>;

/**
 * Settings no environment variable changes, kept beside the schema so that every default lives
 * here; the modules that take them as options fall back to these.
 */
export const FIXED_SETTINGS = {
  /** How often the service's health probes the store. */
  healthIntervalMs: 2000,
  outbox: {
    /** Events in flight to JetStream before waiting for acks. */
    window: 128,
    retryMinMs: 50,
    retryMaxMs: 5000,
    /** Events handed to the sender from memory before it reads back from disk. */
    memoryEntries: 8192,
    segmentMaxBytes: 16 << 20,
  },
  nats: {
    /** Timeout of JetStream requests (publish acks, stream management). */
    ackTimeoutMs: 5000,
    /** How long closing waits for the outbox to reach NATS. */
    flushTimeoutMs: 5000,
  },
  /** Unlimited messages (the byte and age limits bound the stream), 2 min duplicate window. */
  eventsStream: { maxMsgs: -1, duplicateWindowMs: 120_000 },
  /**
   * Calls refused before naming a tenant (bad keys) are evented in aggregate: one event per
   * operation and status each window, and only while the outbox is below this share of its bound.
   */
  refusals: { windowMs: 1000, maxOutboxShare: 0.25 },
  consumer: {
    /** How often the consumer checkpoints, evaluates alerts, publishes summaries and updates the dashboard. */
    tickMs: 1000,
  },
} as const;
