import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { envSchema, type Env } from './schema.js';

/** Validated, frozen configuration shared by the service, consumer and CLI. */
export interface Config {
  readonly grpc: {
    readonly address: string;
    readonly maxMessageBytes: number;
    readonly streamWindow: number;
    readonly maxInflightBytes: number;
    readonly tenantInflightBytes: number;
    readonly tls?: {
      readonly certFile: string;
      readonly keyFile: string;
      readonly caFile?: string;
    };
  };
  readonly store:
    | {
        readonly kind: 'embedded';
        readonly dataDir: string;
        readonly minFreeBytes: number;
        readonly index: { readonly thresholdRows: number; readonly ef: number };
      }
    | {
        readonly kind: 'qdrant';
        readonly url: string;
        readonly apiKey?: string;
        readonly timeoutMs: number;
        readonly writeOrdering: 'weak' | 'medium' | 'strong';
      };
  readonly dataDir: string;
  readonly auth: { readonly tenantKeys: ReadonlyMap<string, string>; readonly adminKey?: string };
  /** What the CLI and bench use as clients. */
  readonly client: { readonly apiKey?: string };
  readonly collections: { readonly prefix: string; readonly defaultVectorSize: number };
  readonly limits: {
    readonly maxBatchPoints: number;
    readonly maxPayloadBytes: number;
    readonly maxSearchLimit: number;
  };
  readonly events:
    | { readonly enabled: false }
    | {
        readonly enabled: true;
        readonly natsUrl: string;
        readonly credsFile?: string;
        readonly stream: string;
        readonly maxAgeMs: number;
        readonly maxBytes: number;
        readonly replicas: number;
        readonly outboxMaxEvents: number;
      };
  readonly consumer: {
    readonly name: string;
    /** How long JetStream waits for an ack before redelivering to the metrics consumer. */
    readonly ackWaitMs: number;
    /** The share of tenants this process counts (see consumer/partition.ts). */
    readonly partition: { readonly index: number; readonly count: number };
    /** How long a silent process keeps its durable before a standby may take over. */
    readonly leaseTtlMs: number;
    readonly dashboardAddress: string;
    readonly prometheusAddress: string;
    /** The read token the dashboard and /metrics require (see consumer/http-auth.ts). */
    readonly httpToken?: string;
    readonly summaryWindowMs: number;
    readonly alerts: {
      readonly serverErrorRate: number;
      readonly authFailures: number;
      readonly minOps: number;
      readonly p99Ms: number;
      readonly idleMs: number;
    };
  };
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error';
  readonly shutdownTimeoutMs: number;
}

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
  const parsed = envSchema.safeParse(defined);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const problems: string[] = [];
  const config = build(parsed.data, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

function build(e: Env, problems: string[]): Config {
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
  const dataDir = path.resolve(e.VECTORADMIN_DATA_DIR);
  return {
    grpc: {
      address: e.VECTORADMIN_GRPC_ADDR,
      maxMessageBytes: e.VECTORADMIN_MAX_MESSAGE_BYTES,
      streamWindow: e.VECTORADMIN_STREAM_WINDOW,
      maxInflightBytes: e.VECTORADMIN_MAX_INFLIGHT_BYTES,
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
            kind: 'embedded',
            dataDir: path.join(dataDir, 'vectors'),
            minFreeBytes: e.VECTORADMIN_MIN_FREE_DISK_BYTES,
            index: {
              thresholdRows: e.VECTORADMIN_EMBEDDED_INDEX_THRESHOLD,
              ef: e.VECTORADMIN_EMBEDDED_INDEX_EF,
            },
          }
        : {
            kind: 'qdrant',
            url: e.QDRANT_URL ?? `http://${e.QDRANT_HOST}:${e.QDRANT_PORT}`,
            ...(e.QDRANT_API_KEY === undefined ? {} : { apiKey: e.QDRANT_API_KEY }),
            timeoutMs: Math.round(e.QDRANT_TIMEOUT * 1000),
            writeOrdering: e.QDRANT_WRITE_ORDERING,
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
    limits: {
      maxBatchPoints: e.VECTORADMIN_MAX_BATCH_POINTS,
      maxPayloadBytes: e.VECTORADMIN_MAX_PAYLOAD_BYTES,
      maxSearchLimit: e.VECTORADMIN_MAX_SEARCH_LIMIT,
    },
    events: e.VECTORADMIN_EVENTS
      ? {
          enabled: true,
          natsUrl: e.NATS_URL,
          ...(e.NATS_CREDS === undefined ? {} : { credsFile: e.NATS_CREDS }),
          stream: e.VECTORADMIN_EVENTS_STREAM,
          maxAgeMs: e.VECTORADMIN_EVENTS_MAX_AGE_MS,
          maxBytes: e.VECTORADMIN_EVENTS_MAX_BYTES,
          replicas: e.VECTORADMIN_EVENTS_REPLICAS,
          outboxMaxEvents: e.VECTORADMIN_OUTBOX_MAX_EVENTS,
        }
      : { enabled: false },
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
      },
    },
    logLevel: e.VECTORADMIN_LOG_LEVEL,
    shutdownTimeoutMs: e.VECTORADMIN_SHUTDOWN_TIMEOUT_MS,
  };
}

const tenantKeyPair = z.tuple([z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), z.string().min(16)]);

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
