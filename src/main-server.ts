import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { ServerCredentials } from '@grpc/grpc-js';
import { startGrpcServer, type RunningServer } from './api/index.js';
import { ConfigError, loadConfigOrExit, splitHostPort, type Config } from './config/index.js';
import {
  ApiKeys,
  WriteScheduler,
  CollectionNaming,
  type EventBus,
  type Logger,
  type VectorStore,
} from './domain/index.js';
import { DisabledEventBus, SummaryActivityFeed, createNatsEventBus } from './events/index.js';
import { JsonLogger } from './logging/index.js';
import { announceReady, exitOnSignals, startMallocTrimming } from './processes/index.js';
import {
  DEFAULT_CACHE_BYTES,
  createEmbeddedVectorStore,
  openQdrantStore,
  type EmbeddedVectorStoreOptions,
} from './stores/index.js';

/** A running VectorAdmin service; `stop` shuts down in order: gRPC intake, events, store. */
export interface VectorAdminProcess {
  /** host:port it serves on, with the port it bound. */
  readonly address: string;
  readonly port: number;
  /** This process's id in every event it publishes. */
  readonly instanceId: string;
  readonly server: RunningServer;
  readonly events: EventBus;
  readonly store: VectorStore;
  stop(): Promise<void>;
}

type EmbeddedStoreConfig = Extract<Config['store'], { kind: 'embedded' }>;

/** The embedded store's tuning from config; the bench's in-process baseline uses it too. */
export function embeddedStoreOptions(
  store: EmbeddedStoreConfig,
): Pick<
  EmbeddedVectorStoreOptions,
  'minFreeBytes' | 'index' | 'cacheBytes' | 'maxLargeScans' | 'maxConcurrentSearches'
> {
  return {
    minFreeBytes: store.minFreeBytes,
    maxLargeScans: store.maxLargeScans,
    ...(store.maxConcurrentSearches === undefined
      ? {}
      : { maxConcurrentSearches: store.maxConcurrentSearches }),
    index: store.index,
    cacheBytes: { ...DEFAULT_CACHE_BYTES, index: store.indexCacheBytes },
  };
}

/** Builds adapters from config and starts the gRPC server. */
export async function startVectorAdmin(
  config: Config,
  logger: Logger,
): Promise<VectorAdminProcess> {
  const store =
    config.store.kind === 'embedded'
      ? await createEmbeddedVectorStore({
          ...embeddedStoreOptions(config.store),
          dataDir: config.store.dataDir,
          logger: logger.child({ component: 'store' }),
        })
      : await openQdrantStore(config.store, logger.child({ component: 'store' }));
  const events: EventBus = config.events.enabled
    ? await createNatsEventBus({
        ...config.events,
        dataDir: config.dataDir,
        flushTimeoutMs: config.shutdownTimeoutMs,
        logger: logger.child({ component: 'events' }),
      })
    : new DisabledEventBus();
  // DescribeCollections' write activity: what the metrics consumer summarizes.
  const activity = config.events.enabled
    ? new SummaryActivityFeed(
        {
          natsUrl: config.events.natsUrl,
          ...(config.events.credsFile === undefined ? {} : { credsFile: config.events.credsFile }),
        },
        logger.child({ component: 'activity' }),
      )
    : undefined;
  const keys = new ApiKeys(config.auth.tenantKeys, config.auth.adminKey);
  const { host } = splitHostPort(config.grpc.address);
  if (keys.devMode && !isLoopback(host)) {
    await Promise.all([events.close(), store.close(), activity?.close()]);
    throw new ConfigError([
      `no API keys are configured (dev mode), so VECTORADMIN_GRPC_ADDR must be loopback, not ${host}`,
    ]);
  }
  const instanceId = randomUUID();
  const server = await startGrpcServer(
    {
      instanceId,
      store,
      events,
      logger,
      keys,
      naming: new CollectionNaming(config.collections.prefix),
      defaultVectorSize: config.collections.defaultVectorSize,
      tableProfiles: config.tables.profiles,
      limits: {
        maxPoints: config.limits.maxBatchPoints,
        maxPayloadBytes: config.limits.maxPayloadBytes,
        maxSearchLimit: config.limits.maxSearchLimit,
      },
      maxMessageBytes: config.grpc.maxMessageBytes,
      streamWindow: config.grpc.streamWindow,
      streams: {
        perTenant: config.grpc.maxStreamsPerTenant,
        perConnection: config.grpc.maxStreamsPerConnection,
        idleTimeoutMs: config.grpc.streamIdleTimeoutMs,
      },
      maxInflightBytes: config.grpc.maxInflightBytes,
      writes: new WriteScheduler({
        maxBytes: config.grpc.writeInflightBytes,
        tenantMaxBytes: config.grpc.tenantInflightBytes,
      }),
      ...(config.probe === undefined ? {} : { probe: config.probe }),
      ...(activity === undefined ? {} : { activity }),
    },
    config.grpc.address,
    credentials(config),
  );
  const address = `${host}:${server.port}`;
  logger.info('VectorAdmin serving', {
    address,
    store: config.store.kind,
    dataDir: config.dataDir,
    events: config.events.enabled ? config.events.natsUrl : 'off',
    tls: config.grpc.tls !== undefined,
    tables: `${config.tables.source}: ${config.tables.profiles.map((p) => p.table).join(', ')}`,
  });
  if (keys.devMode)
    logger.warn('dev mode: no API keys configured, every call is allowed; loopback only');
  const trimming = startMallocTrimming(config.mallocTrim, logger.child({ component: 'memory' }));
  return {
    address,
    port: server.port,
    instanceId,
    server,
    events,
    store,
    stop: async () => {
      trimming.stop();
      await server.stop(config.shutdownTimeoutMs);
      await activity?.close();
      await events.close();
      await store.close();
    },
  };
}

// Literal loopback addresses only: a name such as 127.example.com resolves wherever its owner
// likes, and dev mode (no keys) must never listen beyond this machine.
function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || /^127(\.\d{1,3}){3}$/.test(host);
}

function credentials(config: Config): ServerCredentials {
  const tls = config.grpc.tls;
  if (tls === undefined) return ServerCredentials.createInsecure();
  const ca = tls.caFile === undefined ? null : readFileSync(tls.caFile);
  // With a CA, clients must present a certificate it signed (mutual TLS).
  return ServerCredentials.createSsl(
    ca,
    [{ cert_chain: readFileSync(tls.certFile), private_key: readFileSync(tls.keyFile) }],
    ca !== null,
  );
}

/** Runs the service until SIGINT/SIGTERM; exit code 2 on bad configuration. */
export async function serveMain(): Promise<void> {
  const config = loadConfigOrExit();
  const logger = new JsonLogger(config.logLevel, { service: 'vectoradmin' });
  let running: VectorAdminProcess | undefined;
  exitOnSignals(logger, () => running);
  try {
    running = await startVectorAdmin(config, logger);
    announceReady({ address: running.address });
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    logger.error('start-up failed', { err });
    process.exit(1);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await serveMain();
