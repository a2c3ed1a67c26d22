import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SERVICE_PROCESS_ENV, embeddedStoreEnv, loadConfig, type Config } from '../config/index.js';
import { connectNats } from '../events/index.js';
import {
  ServiceEntry,
  startNodeService,
  type NodeService,
  type NodeServiceOptions,
} from '../processes/index.js';
import { natsReachable, spawnNats, type SpawnedNats } from '../processes/index.js';

/**
 * Where the self-contained stack gets NATS: a private nats-server by default (nothing shared
 * is touched), or the configured NATS_URL when asked.
 */
export interface NatsChoice {
  readonly useConfigured: boolean;
  /** The nats-server binary to spawn; the usual install locations otherwise. */
  readonly binary?: string;
}

/** The self-contained stack: everything but the bench runs in its own process. */
export interface BenchStack {
  readonly adminKey: string;
  /** The service under test: embedded store, events on. */
  readonly server: NodeService;
  readonly address: string;
  /** The same service with events off, for the events on/off baseline. */
  readonly eventsOffAddress: string;
  /** The no-op UpsertStream sink, for the transport ceiling. */
  readonly sinkAddress: string;
  readonly consumer: NodeService | undefined;
  /** Why there is no consumer, when there is none. */
  readonly consumerUnavailable: string | undefined;
  /** The consumer's configuration, for reading its summaries. */
  readonly consumerConfig: Config;
  readonly natsUrl: string;
  readonly natsSpawned: boolean;
  /** Stops every process the stack started, consumer last so it sees every event. */
  stop(): Promise<void>;
}

/** Starts NATS (or finds it), the service twice (events on and off), the sink and the consumer. */
export async function startBenchStack(
  config: Config,
  dir: string,
  runId: string,
  nats: NatsChoice,
  log: (line: string) => void,
): Promise<BenchStack> {
  const handles: {
    nats?: SpawnedNats;
    services: NodeService[];
    consumer?: NodeService;
    cleanup?: () => Promise<void>;
  } = { services: [] };
  // Servers first, then the consumer (it has seen every event by then), NATS last.
  const stopAll = async () => {
    await Promise.all(handles.services.map((s) => s.stop()));
    await handles.consumer?.stop();
    await handles.cleanup?.();
    await handles.nats?.stop();
  };
  try {
    const logs = path.join(dir, 'logs');
    await mkdir(logs, { recursive: true });
    let natsUrl: string;
    if (nats.useConfigured) {
      if (!config.events.enabled)
        throw new Error('--use-nats needs events on (VECTORADMIN_EVENTS) and NATS_URL');
      natsUrl = config.events.natsUrl;
      if (!(await natsReachable(natsUrl))) throw new Error(`NATS_URL ${natsUrl} does not answer`);
      log(`NATS: using ${natsUrl}; this run's durable consumer is removed at the end`);
      const { stream, credsFile } = config.events;
      handles.cleanup = () => deleteDurable(natsUrl, credsFile, stream, `bench-${runId}`, log);
    } else {
      handles.nats = await spawnNats(path.join(dir, 'nats'), nats.binary);
      natsUrl = handles.nats.url;
      log(`NATS: spawned nats-server at ${natsUrl}`);
    }
    const adminKey = randomBytes(16).toString('hex');
    const start = (options: NodeServiceOptions) =>
      startNodeService(options).then((s) => (handles.services.push(s), s));
    const server = (name: string, events: boolean) =>
      start({
        name,
        entry: ServiceEntry.Server,
        env: serverEnv(config, path.join(dir, name), events ? natsUrl : undefined, adminKey, runId),
        logFile: path.join(logs, `${name}.log`),
      });
    const [main, eventsOff, sink] = await Promise.all([
      server('server', true),
      server('server-events-off', false),
      start({
        name: 'sink',
        entry: ServiceEntry.Sink,
        args: [String(config.grpc.maxMessageBytes)],
        env: {},
        logFile: path.join(logs, 'sink.log'),
      }),
    ]);
    const consumerEnv = consumerEnvironment(config, path.join(dir, 'consumer'), natsUrl, runId);
    const consumerConfig = loadConfig(consumerEnv);
    let consumerUnavailable: string | undefined;
    try {
      handles.consumer = await startNodeService({
        name: 'consumer',
        entry: ServiceEntry.Consumer,
        env: consumerEnv,
        logFile: path.join(logs, 'consumer.log'),
      });
    } catch (err) {
      consumerUnavailable = (err as Error).message.split('\n')[0];
      log(`consumer not available: ${consumerUnavailable}`);
    }
    return {
      adminKey,
      server: main,
      address: String(main.ready.address),
      eventsOffAddress: String(eventsOff.ready.address),
      sinkAddress: String(sink.ready.address),
      consumer: handles.consumer,
      consumerUnavailable,
      consumerConfig,
      natsUrl,
      natsSpawned: handles.nats !== undefined,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

async function deleteDurable(
  natsUrl: string,
  credsFile: string | undefined,
  stream: string,
  name: string,
  log: (line: string) => void,
): Promise<void> {
  try {
    const nc = await connectNats(
      { natsUrl, ...(credsFile === undefined ? {} : { credsFile }) },
      'once',
    );
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.consumers.delete(stream, name);
    } finally {
      await nc.close();
    }
  } catch (err) {
    log(`could not delete the durable consumer ${name} on ${natsUrl}: ${(err as Error).message}`);
  }
}

// The children get a complete environment built from the validated config, never this
// process's environment: a run is reproducible and its settings are exactly these.
function serverEnv(
  config: Config,
  dataDir: string,
  natsUrl: string | undefined,
  adminKey: string,
  runId: string,
): Record<string, string> {
  return {
    // RunPerformanceTest's tenant: outside the run's prefix, so the cross-check counts only
    // the scenarios' own calls.
    PERFORMANCE_TEST_TENANT_ID: `p${runId}`,
    VECTORADMIN_GRPC_ADDR: '127.0.0.1:0',
    VECTORADMIN_STORE: 'embedded',
    VECTORADMIN_DATA_DIR: dataDir,
    VECTORADMIN_ADMIN_KEY: adminKey,
    VECTORADMIN_LOG_LEVEL: 'info',
    VECTORADMIN_MAX_BATCH_POINTS: String(config.limits.maxBatchPoints),
    VECTORADMIN_MAX_PAYLOAD_BYTES: String(config.limits.maxPayloadBytes),
    VECTORADMIN_MAX_SEARCH_LIMIT: String(config.limits.maxSearchLimit),
    VECTORADMIN_MAX_MESSAGE_BYTES: String(config.grpc.maxMessageBytes),
    VECTORADMIN_STREAM_WINDOW: String(config.grpc.streamWindow),
    VECTORADMIN_MAX_INFLIGHT_BYTES: String(config.grpc.maxInflightBytes),
    QDRANT_COLLECTION_PREFIX: config.collections.prefix,
    QDRANT_DEFAULT_VECTOR_SIZE: String(config.collections.defaultVectorSize),
    VECTORADMIN_SHUTDOWN_TIMEOUT_MS: String(config.shutdownTimeoutMs),
    VECTORADMIN_MALLOC_TRIM_MS: String(config.mallocTrim.intervalMs),
    VECTORADMIN_MALLOC_TRIM_GROWTH_MB: String(config.mallocTrim.growthBytes / (1024 * 1024)),
    ...embeddedStoreEnv(config),
    ...SERVICE_PROCESS_ENV,
    ...(natsUrl === undefined
      ? { VECTORADMIN_EVENTS: 'off' }
      : { VECTORADMIN_EVENTS: 'on', ...eventsEnv(config, natsUrl) }),
  };
}

function eventsEnv(config: Config, natsUrl: string): Record<string, string> {
  const events = config.events;
  if (!events.enabled) return { NATS_URL: natsUrl };
  return {
    NATS_URL: natsUrl,
    ...(events.credsFile === undefined ? {} : { NATS_CREDS: events.credsFile }),
    VECTORADMIN_EVENTS_STREAM: events.stream,
    VECTORADMIN_EVENTS_MAX_AGE_MS: String(events.maxAgeMs),
    VECTORADMIN_EVENTS_MAX_BYTES: String(events.maxBytes),
    VECTORADMIN_EVENTS_REPLICAS: String(events.replicas),
    VECTORADMIN_OUTBOX_MAX_EVENTS: String(events.outboxMaxEvents),
  };
}

function consumerEnvironment(
  config: Config,
  dataDir: string,
  natsUrl: string,
  runId: string,
): Record<string, string> {
  return {
    VECTORADMIN_DATA_DIR: dataDir,
    VECTORADMIN_EVENTS: 'on',
    ...eventsEnv(config, natsUrl),
    // A durable of its own per run: on a shared NATS it never disturbs the real consumer.
    VECTORADMIN_CONSUMER_NAME: `bench-${runId}`,
    VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
    VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
    VECTORADMIN_SUMMARY_WINDOW_MS: String(config.consumer.summaryWindowMs),
    VECTORADMIN_LOG_LEVEL: 'info',
    // Spans would go to an OTLP endpoint that is not there; the bench reads the summaries.
    OTEL_TRACES_EXPORTER: 'none',
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
  };
}
