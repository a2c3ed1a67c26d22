import { TENANT_ID } from '../domain/naming.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { envSchema, type Env } from './schema.js';
import { loadTableProfiles } from './table-profiles.js';

/** Validated, frozen configuration shared by the service, consumer and CLI. */
export type Config = DeepReadonly<z.output<typeof configSchema>>;

type DeepReadonly<T> =
  T extends ReadonlyMap<infer K, infer V>
    ? ReadonlyMap<K, V>
    : T extends object
      ? { readonly [P in keyof T]: DeepReadonly<T[P]> }
      : T;

/** Every configuration problem found, reported together. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Reads and validates configuration once; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const defined = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = configSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((i) =>
        i.path.length === 0 ? i.message : `${i.path.join('.')}: ${i.message}`,
      ),
    );
  }
  return deepFreeze(parsed.data);
}

/** For entry points: the configuration, or its problems on stderr and exit code 2. */
export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}

/**
 * The one compile step: environment variables (defaults and syntax in schema.ts) to the
 * structured configuration, with the checks that span variables reported as issues.
 */
const configSchema = envSchema.transform((e, ctx) => {
  const problems: string[] = [];
  const config = build(e, problems);
  for (const message of problems) ctx.issues.push({ code: 'custom', message, input: e });
  return config;
});

function build(e: Env, problems: string[]) {
  const tenantKeys = parseKeys(e, problems);
  const tls = e.VECTORADMIN_TLS_CERT ?? e.VECTORADMIN_TLS_KEY;
  if (
    tls !== undefined &&
    (e.VECTORADMIN_TLS_CERT === undefined || e.VECTORADMIN_TLS_KEY === undefined)
  ) {
    problems.push('VECTORADMIN_TLS_CERT and VECTORADMIN_TLS_KEY must be set together');
  }
  if (e.VECTORADMIN_CONSUMER_PARTITION >= e.VECTORADMIN_CONSUMER_PARTITIONS) {
    problems.push(
      `VECTORADMIN_CONSUMER_PARTITION: must be below VECTORADMIN_CONSUMER_PARTITIONS (${e.VECTORADMIN_CONSUMER_PARTITIONS}); partitions are numbered from 0`,
    );
  }
  if (e.PERFORMANCE_TEST_ENABLED && e.PERFORMANCE_TEST_TENANT_ID === undefined) {
    problems.push(
      'PERFORMANCE_TEST_ENABLED: needs PERFORMANCE_TEST_TENANT_ID, the tenant the probe runs on',
    );
  }
  const dataDir = path.resolve(e.VECTORADMIN_DATA_DIR);
  return {
    grpc: {
      address: e.VECTORADMIN_GRPC_ADDR,
      maxMessageBytes: e.VECTORADMIN_MAX_MESSAGE_BYTES,
      streamWindow: e.VECTORADMIN_STREAM_WINDOW,
      maxStreamsPerTenant: e.VECTORADMIN_MAX_STREAMS_PER_TENANT,
      maxStreamsPerConnection: e.VECTORADMIN_MAX_STREAMS_PER_CONNECTION,
      streamIdleTimeoutMs: e.VECTORADMIN_STREAM_IDLE_TIMEOUT_MS,
      maxInflightBytes: e.VECTORADMIN_MAX_INFLIGHT_BYTES,
      writeInflightBytes: e.VECTORADMIN_WRITE_INFLIGHT_BYTES,
      tenantInflightBytes: e.VECTORADMIN_TENANT_INFLIGHT_BYTES,
      ...(e.VECTORADMIN_TLS_CERT !== undefined && e.VECTORADMIN_TLS_KEY !== undefined
        ? {
            tls: {
              certFile: e.VECTORADMIN_TLS_CERT,
              keyFile: e.VECTORADMIN_TLS_KEY,
              ...(e.VECTORADMIN_TLS_CA === undefined ? {} : { caFile: e.VECTORADMIN_TLS_CA }),
            },
          }
        : {}),
    },
    store:
      e.VECTORADMIN_STORE === 'embedded'
        ? {
            kind: 'embedded' as const,
            dataDir: path.join(dataDir, 'vectors'),
            minFreeBytes: e.VECTORADMIN_MIN_FREE_DISK_BYTES,
            indexCacheBytes: e.VECTORADMIN_EMBEDDED_INDEX_CACHE_MB * 1024 * 1024,
            maxLargeScans: e.VECTORADMIN_EMBEDDED_MAX_LARGE_SCANS,
            ...(e.VECTORADMIN_EMBEDDED_MAX_SEARCHES === undefined
              ? {}
              : { maxConcurrentSearches: e.VECTORADMIN_EMBEDDED_MAX_SEARCHES }),
            index: {
              kind: e.VECTORADMIN_EMBEDDED_INDEX_KIND,
              ivfRqRows: e.VECTORADMIN_EMBEDDED_INDEX_IVF_RQ_ROWS,
              thresholdRows: e.VECTORADMIN_EMBEDDED_INDEX_THRESHOLD,
              maxDeferMs: e.VECTORADMIN_EMBEDDED_INDEX_MAX_DEFER_MS,
              ef: e.VECTORADMIN_EMBEDDED_INDEX_EF,
              nprobes: e.VECTORADMIN_EMBEDDED_INDEX_NPROBES,
              builder: e.VECTORADMIN_EMBEDDED_INDEX_BUILDER,
              ...(e.VECTORADMIN_EMBEDDED_INDEX_BUILDERS === undefined
                ? {}
                : { maxBuilderProcesses: e.VECTORADMIN_EMBEDDED_INDEX_BUILDERS }),
            },
          }
        : {
            kind: 'qdrant' as const,
            url: e.QDRANT_URL ?? `http://${e.QDRANT_HOST}:${e.QDRANT_PORT}`,
            ...(e.QDRANT_API_KEY === undefined ? {} : { apiKey: e.QDRANT_API_KEY }),
            timeoutMs: Math.round(e.QDRANT_TIMEOUT * 1000),
            writeOrdering: e.QDRANT_WRITE_ORDERING,
            grpcPort: e.QDRANT_GRPC_PORT,
            transport: e.QDRANT_TRANSPORT,
          },
    dataDir,
    auth: {
      tenantKeys,
      ...(e.VECTORADMIN_ADMIN_KEY === undefined ? {} : { adminKey: e.VECTORADMIN_ADMIN_KEY }),
    },
    client: e.VECTORADMIN_API_KEY === undefined ? {} : { apiKey: e.VECTORADMIN_API_KEY },
    collections: {
      prefix: e.QDRANT_COLLECTION_PREFIX,
      defaultVectorSize: e.QDRANT_DEFAULT_VECTOR_SIZE,
    },
    ...(e.PERFORMANCE_TEST_TENANT_ID === undefined
      ? {}
      : {
          probe: {
            tenantId: e.PERFORMANCE_TEST_TENANT_ID,
            scheduled: e.PERFORMANCE_TEST_ENABLED,
            intervalMs: e.PERFORMANCE_TEST_INTERVAL_MS,
            points: e.PERFORMANCE_TEST_POINTS,
            vectorSize: e.PERFORMANCE_TEST_VECTOR_SIZE,
            timeoutMs: e.PERFORMANCE_TEST_TIMEOUT_MS,
          },
        }),
    tables: loadTableProfiles(e.VECTORADMIN_TABLES_FILE, e.QDRANT_DEFAULT_VECTOR_SIZE, problems),
    limits: {
      maxBatchPoints: e.VECTORADMIN_MAX_BATCH_POINTS,
      maxPayloadBytes: e.VECTORADMIN_MAX_PAYLOAD_BYTES,
      maxSearchLimit: e.VECTORADMIN_MAX_SEARCH_LIMIT,
    },
    events: e.VECTORADMIN_EVENTS
      ? {
          enabled: true as const,
          natsUrl: e.NATS_URL,
          ...(e.NATS_CREDS === undefined ? {} : { credsFile: e.NATS_CREDS }),
          stream: e.VECTORADMIN_EVENTS_STREAM,
          maxAgeMs: e.VECTORADMIN_EVENTS_MAX_AGE_MS,
          maxBytes: e.VECTORADMIN_EVENTS_MAX_BYTES,
          replicas: e.VECTORADMIN_EVENTS_REPLICAS,
          outboxMaxEvents: e.VECTORADMIN_OUTBOX_MAX_EVENTS,
        }
      : { enabled: false as const },
    consumer: {
      name: e.VECTORADMIN_CONSUMER_NAME,
      ackWaitMs: e.VECTORADMIN_CONSUMER_ACK_WAIT_MS,
      partition: {
        index: e.VECTORADMIN_CONSUMER_PARTITION,
        count: e.VECTORADMIN_CONSUMER_PARTITIONS,
      },
      leaseTtlMs: e.VECTORADMIN_CONSUMER_LEASE_TTL_MS,
      dashboardAddress: e.VECTORADMIN_DASHBOARD_ADDR,
      prometheusAddress: e.VECTORADMIN_PROMETHEUS_ADDR,
      ...(e.VECTORADMIN_HTTP_TOKEN === undefined ? {} : { httpToken: e.VECTORADMIN_HTTP_TOKEN }),
      summaryWindowMs: e.VECTORADMIN_SUMMARY_WINDOW_MS,
      alerts: {
        serverErrorRate: e.VECTORADMIN_ALERT_SERVER_ERROR_RATE,
        authFailures: e.VECTORADMIN_ALERT_AUTH_FAILURES,
        minOps: e.VECTORADMIN_ALERT_MIN_OPS,
        p99Ms: e.VECTORADMIN_ALERT_P99_MS,
        idleMs: e.VECTORADMIN_ALERT_IDLE_MS,
        probeMs: e.VECTORADMIN_ALERT_PROBE_MS,
      },
    },
    logLevel: e.VECTORADMIN_LOG_LEVEL,
    shutdownTimeoutMs: e.VECTORADMIN_SHUTDOWN_TIMEOUT_MS,
    mallocTrim: {
      intervalMs: e.VECTORADMIN_MALLOC_TRIM_MS,
      growthBytes: e.VECTORADMIN_MALLOC_TRIM_GROWTH_MB * 1024 * 1024,
    },
  };
}

const tenantKeyPair = z.tuple([z.string().regex(TENANT_ID), z.string().min(16)]);

// `tenant:key` pairs, comma- or newline-separated, from the variable and the keys file.
function parseKeys(e: Env, problems: string[]): Map<string, string> {
  let text = e.VECTORADMIN_API_KEYS;
  if (e.VECTORADMIN_API_KEYS_FILE !== undefined) {
    try {
      text += `\n${readFileSync(e.VECTORADMIN_API_KEYS_FILE, 'utf8')}`;
    } catch (err) {
      problems.push(`VECTORADMIN_API_KEYS_FILE: cannot read: ${(err as Error).message}`);
    }
  }
  const keys = new Map<string, string>();
  const entries = text
    .split(/[,\n]/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0 && !s.startsWith('#'));
  for (const [i, entry] of entries.entries()) {
    const cut = entry.indexOf(':');
    const pair = tenantKeyPair.safeParse([entry.slice(0, cut), entry.slice(cut + 1)]);
    if (cut < 0 || !pair.success) {
      problems.push(
        `VECTORADMIN_API_KEYS entry ${i + 1}: must be tenant:key, tenant of a-z 0-9 -, key of 16+ characters`,
      );
      continue;
    }
    const [tenant, key] = pair.data;
    if (keys.has(tenant)) problems.push(`VECTORADMIN_API_KEYS: tenant "${tenant}" has two keys`);
    // One key, one principal: a shared key would act for whichever entry matched last.
    const owner = [...keys].find(([, k]) => k === key)?.[0];
    if (owner !== undefined && owner !== tenant) {
      problems.push(`VECTORADMIN_API_KEYS: tenants "${owner}" and "${tenant}" have the same key`);
    }
    if (key === e.VECTORADMIN_ADMIN_KEY) {
      problems.push(`VECTORADMIN_API_KEYS: tenant "${tenant}" has the admin key`);
    }
    keys.set(tenant, key);
  }
  return keys;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !(value instanceof Map)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
