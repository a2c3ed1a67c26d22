import { Server, ServerCredentials, type ServerOptions } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { ApiKeys } from '../domain/index.js';
import {
  ByteBudget,
  CollectionAnalysis,
  CollectionService,
  PointService,
  TableProfiles,
  TenantProvisioning,
  WriteScheduler,
  type CollectionNaming,
  type EventBus,
  type Logger,
  type PointLimits,
  type TableProfile,
  type VectorStore,
  type WriteActivitySource,
} from '../domain/index.js';
import { analysisHandlers } from './analysis-handlers.js';
import { VectorAdminService } from '../gen/vectoradmin/v1/vectoradmin.js';
import { addDescriptorReflection } from './descriptor-reflection.js';
import { collectionHandlers, collectionOperations } from './collection-handlers.js';
import { acceptHeaderLists } from './metadata-limit.js';
import { OperationPipeline } from './operation-pipeline.js';
import { PerformanceProbe, type ProbeSettings } from './performance-probe.js';
import { pointHandlers, pointOperations } from './point-handlers.js';
import { provisioningHandlers } from './provisioning-handlers.js';
import { tolerantDecoding } from './request-decoding.js';
import type { StreamCaps } from './stream-slots.js';
import { upsertOperation } from './upsert-operation.js';
import { upsertStreamHandler } from './upsert-stream.js';
import { FIXED_SETTINGS } from '../config/index.js';

/** Everything the gRPC edge needs, built by the entry point. */
export interface GrpcServerDeps {
  readonly store: VectorStore;
  readonly events: EventBus;
  readonly logger: Logger;
  readonly keys: ApiKeys;
  readonly naming: CollectionNaming;
  readonly defaultVectorSize: number;
  /** The configs tables get when a call gives none (VECTORADMIN_TABLES_FILE); none by default. */
  readonly tableProfiles?: readonly TableProfile[];
  readonly limits: PointLimits;
  readonly maxMessageBytes: number;
  readonly streamWindow: number;
  /** Caps on open UpsertStreams and their idle timeout. */
  readonly streams: StreamCaps;
  readonly maxInflightBytes: number;
  /** Admits store writes under global and per-tenant bounds, tenants in turn; unbounded when unset. */
  readonly writes?: WriteScheduler;
  /** This service process's id in every event; random per start. */
  readonly instanceId: string;
  /** How often health probes the store. */
  readonly healthIntervalMs?: number;
  /** The performance probe's tenant, schedule and bounds; unset: no probe. */
  readonly probe?: ProbeSettings;
  /** Recent writes per table, from the metrics consumer's summaries; none when unset. */
  readonly activity?: WriteActivitySource;
}

export const SERVICE_NAME = 'vectoradmin.v1.VectorAdmin';
/** Health name for event delivery: NOT_SERVING while events cannot reach NATS. */
export const EVENTS_HEALTH_NAME = 'vectoradmin.v1.Events';

/** A started server; `stop` refuses new calls, waits for running ones, then forces. */
export interface RunningServer {
  readonly port: number;
  readonly health: HealthImplementation;
  stop(timeoutMs: number): Promise<void>;
}

/**
 * Limits are set deliberately (grpc-js defaults: 4 MiB receive, no keepalive, unlimited
 * concurrent streams): receive up to `maxMessageBytes`, ping idle clients, bound streams.
 */
function serverOptions(deps: GrpcServerDeps): ServerOptions {
  return {
    'grpc.max_receive_message_length': deps.maxMessageBytes,
    'grpc.max_send_message_length': deps.maxMessageBytes,
    'grpc.max_concurrent_streams': 256,
    'grpc.keepalive_time_ms': 60_000,
    'grpc.keepalive_timeout_ms': 20_000,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.http2.min_ping_interval_without_data_ms': 10_000,
  };
}

/** Builds the VectorAdmin, health and reflection services and binds `address`. */
export async function startGrpcServer(
  deps: GrpcServerDeps,
  address: string,
  credentials: ServerCredentials = ServerCredentials.createInsecure(),
): Promise<RunningServer> {
  const server = new Server(serverOptions(deps));
  acceptHeaderLists(server);
  const collections = new CollectionService(
    deps.store,
    deps.naming,
    { vectorSize: deps.defaultVectorSize, distance: 'cosine', maxVectorSize: 65_536 },
    { profiles: new TableProfiles(deps.tableProfiles) },
  );
  const points = new PointService(
    deps.store,
    collections,
    deps.limits,
    deps.writes ?? new WriteScheduler({ maxBytes: 0, tenantMaxBytes: 0 }),
  );
  const pipeline = new OperationPipeline(deps.keys, deps.events, deps.logger, deps.instanceId);
  // Before the first call: the lossless outbox keeps it (and its order) while NATS is away.
  await pipeline.serviceStarted().catch((err: unknown) => {
    deps.logger.error('service_started event not queued', { err });
  });
  const probe = performanceProbe(deps, pipeline, collections, points);
  server.addService(tolerantDecoding(VectorAdminService), {
    ...collectionHandlers(pipeline, collections),
    ...analysisHandlers(pipeline, new CollectionAnalysis(deps.store, collections, deps.activity)),
    ...provisioningHandlers(pipeline, collections, new TenantProvisioning(collections)),
    ...pointHandlers(pipeline, collections, points),
    runPerformanceTest: probe.unary,
    upsertStream: upsertStreamHandler(pipeline, collections, points, {
      window: deps.streamWindow,
      budget: new ByteBudget(deps.maxInflightBytes),
      caps: deps.streams,
    }),
  });
  const health = new HealthImplementation({
    '': 'NOT_SERVING',
    [SERVICE_NAME]: 'NOT_SERVING',
    [EVENTS_HEALTH_NAME]: 'NOT_SERVING',
  });
  health.addToServer(server);
  addDescriptorReflection(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  const stopProbe = probeStore(deps, health);
  probe.start();
  return {
    port,
    health,
    stop: async (timeoutMs) => {
      stopProbe();
      await probe.stop();
      for (const name of [SERVICE_NAME, EVENTS_HEALTH_NAME, ''])
        health.setStatus(name, 'NOT_SERVING');
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, timeoutMs);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      await pipeline.close();
    },
  };
}

// The probe calls the same operations as the RPCs, through the same pipeline.
function performanceProbe(
  deps: GrpcServerDeps,
  pipeline: OperationPipeline,
  collections: CollectionService,
  points: PointService,
): PerformanceProbe {
  const collectionOps = collectionOperations(collections);
  const pointOps = pointOperations(collections, points);
  return new PerformanceProbe(
    pipeline,
    {
      ensureCollection: pipeline.wrap(collectionOps.ensureCollection),
      deleteCollection: pipeline.wrap(collectionOps.deleteCollection),
      upsert: pipeline.wrap(upsertOperation(collections, points)),
      search: pipeline.wrap(pointOps.search),
      count: pipeline.wrap(pointOps.count),
    },
    deps.probe,
    deps.naming,
    deps.limits.maxPoints,
    deps.logger.child({ component: 'probe' }),
  );
}

// The service is SERVING while the store answers and the event outbox accepts; event delivery
// has its own name, so a broker outage shows as degraded without failing the service.
function probeStore(deps: GrpcServerDeps, health: HealthImplementation): () => void {
  let stopped = false;
  let last = '';
  const probe = async () => {
    let storeUp = true;
    let storeProblem: string | undefined;
    try {
      await deps.store.ping();
    } catch (err) {
      storeUp = false;
      // Why NOT_SERVING, e.g. a data disk under its free-space reserve (issue 17).
      storeProblem = err instanceof Error ? err.message : String(err);
      if (!last.startsWith('NOT_SERVING')) deps.logger.warn('store not answering', { err });
    }
    if (stopped) return;
    const events = deps.events.state();
    const serving = storeUp && !events.full ? 'SERVING' : 'NOT_SERVING';
    const delivering = events.connected && !events.full ? 'SERVING' : 'NOT_SERVING';
    const now = `${serving}/${delivering}`;
    if (now !== last) {
      deps.logger.info('health', {
        status: serving,
        store: storeUp ? 'up' : 'down',
        ...(storeProblem === undefined ? {} : { reason: storeProblem }),
        events: events.full
          ? 'outbox full'
          : delivering === 'SERVING'
            ? 'delivering'
            : 'waiting for NATS',
        pendingEvents: events.pending,
      });
    }
    last = now;
    health.setStatus('', serving);
    health.setStatus(SERVICE_NAME, serving);
    health.setStatus(EVENTS_HEALTH_NAME, delivering);
  };
  const run = () =>
    void probe().catch((err: unknown) => deps.logger.error('health probe failed', { err }));
  run();
  const timer = setInterval(run, deps.healthIntervalMs ?? FIXED_SETTINGS.healthIntervalMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
