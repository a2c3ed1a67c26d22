import { ConfigError, FIXED_SETTINGS, splitHostPort, type Config } from '../config/index.js';
import type { Logger } from '../domain/index.js';
import { closeConnection, connectNats } from '../events/index.js';
import { AlertCenter } from './alert-center.js';
import { checkpointPath, deleteCheckpoint, writeCheckpoint } from './checkpoint-store.js';
import { ConsumerLease } from './consumer-lease.js';
import { buildDashboardState } from './dashboard-state.js';
import { DashboardServer, type DashboardState } from './dashboard-server.js';
import { provisionDurable, type DurableSettings } from './durable-consumer.js';
import { EventConsumer } from './event-consumer.js';
import { EventMetrics } from './event-metrics.js';
import { EventProcessor } from './event-processor.js';
import { httpCredentials } from './http-auth.js';
import { ensureEventsStream } from './events-stream-ready.js';
import { MetricsServer } from './metrics-server.js';
import { durableName } from './partition.js';
import { freshState, restoreState } from './read-summaries.js';
import { ServiceCollections } from './service-collections.js';
import { SummaryPublisher } from './summary-publisher.js';
import type { Summary } from './summary.js';
import { startSdkTelemetry, type ConsumerTelemetry } from './telemetry.js';

/** Options of `runConsumer`. */
export interface RunConsumerOptions {
  /** Start over: drop the checkpoint and the durable, and consume the stream from its start. */
  readonly replay?: boolean;
  /**
   * Where spans and metrics go; the caller shuts it down. When absent, the OTEL_*-configured
   * Node SDK, which `stop` shuts down.
   */
  readonly telemetry?: ConsumerTelemetry;
  /** How often to checkpoint, evaluate alerts, publish summaries and update the dashboard. */
  readonly tickMs?: number;
  /** Gives up start-up, e.g. while standing by for another process's lease. */
  readonly signal?: AbortSignal;
}

/** A running metrics consumer. */
export interface ConsumerHandle {
  readonly dashboardPort: number;
  readonly prometheusPort: number;
  /** The current summaries (cumulative and per window). */
  summaries(): Summary[];
  /** What the dashboard shows now. */
  dashboard(): DashboardState;
  /**
   * Settles with the error if consuming ends by itself: a LeaseLostError when another process
   * took over or the lease expired (stop, then run again to stand by), anything else a bug.
   */
  readonly failed: Promise<unknown>;
  /** Checkpoints and acks now. */
  checkpoint(): Promise<void>;
  /** Stops consuming, checkpoints, closes the servers and NATS, flushes spans. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

// Acks wait for a checkpoint; this many waiting forces one, well below max_ack_pending.
const CHECKPOINT_EVERY_MESSAGES = 2000;
const MAX_ACK_PENDING = 10_000;

/** Starts the metrics consumer: reads the events stream and serves metrics and the dashboard. */
export async function runConsumer(
  config: Config,
  logger: Logger,
  options: RunConsumerOptions = {},
): Promise<ConsumerHandle> {
  const events = config.events;
  if (!events.enabled)
    throw new ConfigError([
      'VECTORADMIN_EVENTS is off: the metrics consumer needs the events stream',
    ]);
  const { partition } = config.consumer;
  // Checked before anything starts: an off-loopback endpoint without a credential is refused.
  const httpAuth = { ...config.consumer, ...config.auth };
  const dashboardCredentials = httpCredentials(
    'VECTORADMIN_DASHBOARD_ADDR',
    config.consumer.dashboardAddress,
    httpAuth,
  );
  const metricsCredentials = httpCredentials(
    'VECTORADMIN_PROMETHEUS_ADDR',
    config.consumer.prometheusAddress,
    httpAuth,
  );
  const name = durableName(config.consumer.name, partition);
  const file = checkpointPath(config.dataDir, name);
  const replay = options.replay === true;
  // Checked first so a checkpoint that does not fit the config fails before anything starts;
  // restored again once the lease is held, since the previous holder may have moved it on.
  if (!replay) await restoreState(config, events.stream);
  // Keep trying for ever, at start-up too: the consumer is a daemon that outlives NATS restarts.
  const nc = await connectNats({ ...events, name }, 'daemon');
  const cleanup: (() => Promise<unknown>)[] = [() => closeConnection(nc, true)];
  const unwind = async (): Promise<void> => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
  };
  try {
    const jsm = await nc.jetstreamManager();
    await ensureEventsStream(jsm, events, logger);
    const lease = await ConsumerLease.acquire({
      nc,
      key: name,
      ttlMs: config.consumer.leaseTtlMs,
      replicas: events.replicas,
      dataDir: config.dataDir,
      logger,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    cleanup.push(() => lease.release());
    const state = replay ? freshState(config) : await restoreState(config, events.stream);
    const durable: DurableSettings = {
      stream: events.stream,
      name,
      ackWaitMs: config.consumer.ackWaitMs,
      maxAckPending: MAX_ACK_PENDING,
    };
    const acked = await provisionDurable(jsm, durable, replay);
    // Durable first, checkpoint second: a crash in between leaves an old checkpoint and a
    // fresh durable, which redelivers what the checkpoint holds (skipped) and then the rest.
    if (replay) await deleteCheckpoint(file);
    if (!state.restored && acked > 0) {
      logger.warn(
        'no checkpoint, but the durable consumer already acked events: summaries will miss them; run consume --replay to rebuild',
        { acked },
      );
    }
    const telemetry = options.telemetry ?? startSdkTelemetry();
    if (options.telemetry === undefined) cleanup.push(() => telemetry.shutdown());
    const processor = new EventProcessor(
      state.applied,
      state.summary,
      { tracer: telemetry.tracer, metrics: new EventMetrics(telemetry.meter), logger },
      Date.now(),
      partition,
    );
    const save = async (): Promise<void> => {
      lease.assertValid();
      await writeCheckpoint(file, {
        stream: events.stream,
        consumer: name,
        applied: state.applied.toJSON(),
        summary: state.summary.toJSON(),
      });
      // Again before the acks: a write that outlasted the lease must not ack what a successor
      // may already have restored without (unacked, those events go to the successor).
      lease.assertValid();
    };
    const consumer = new EventConsumer({
      nc,
      durable,
      processor,
      save,
      logger,
      // Acks must beat AckWait comfortably, or every message comes back once more.
      checkpointIntervalMs: Math.min(
        options.tickMs ?? FIXED_SETTINGS.consumer.tickMs,
        config.consumer.ackWaitMs / 4,
      ),
      checkpointEveryMessages: CHECKPOINT_EVERY_MESSAGES,
    });
    const alerts = new AlertCenter(config.consumer.alerts, nc, logger);
    const publisher = new SummaryPublisher(nc, logger);
    const dashboardState = (): DashboardState =>
      buildDashboardState({
        name,
        stream: events.stream,
        partition,
        processor,
        consumer,
        alerts: alerts.recent(),
      });
    const metricsServer = await MetricsServer.start(
      config.consumer.prometheusAddress,
      telemetry.prometheus,
      metricsCredentials,
    );
    cleanup.push(() => metricsServer.close());
    const collections = new ServiceCollections(config, logger);
    cleanup.push(() => Promise.resolve(collections.close()));
    const dashboard = await DashboardServer.start(
      config.consumer.dashboardAddress,
      dashboardState,
      dashboardCredentials,
      (summaries) => state.summary.mergedLatency(summaries),
      (query) => collections.view(query),
    );
    cleanup.push(() => dashboard.close());
    await consumer.start();
    const tick = (): void => {
      publisher.publish(state.summary.takeChanged());
      alerts.evaluate({
        nowMs: Date.now(),
        summaries: state.summary.currentSummaries(),
        openStreams: state.summary.openStreamCount(),
        lastEventAtMs: processor.lastAppliedAtMs,
      });
      dashboard.push();
    };
    const ticker = setInterval(() => {
      try {
        tick();
      } catch (err) {
        logger.error('consumer tick failed', { err });
      }
    }, options.tickMs ?? FIXED_SETTINGS.consumer.tickMs);
    logger.info('metrics consumer running', {
      stream: events.stream,
      consumer: name,
      partition: `${partition.index}/${partition.count}`,
      replay,
      restoredSeq: state.applied.contiguousSeq,
      dashboard: `${splitHostPort(config.consumer.dashboardAddress).host}:${dashboard.port}`,
      prometheus: `${splitHostPort(config.consumer.prometheusAddress).host}:${metricsServer.port}/metrics`,
    });
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        clearInterval(ticker);
        try {
          await consumer.stop().catch((err: unknown) => {
            if (lease.valid) throw err;
            // Not this process's to commit any more: the events go to the next holder.
            logger.warn('final checkpoint skipped: the consumer lease is not held', { err });
          });
          tick();
        } finally {
          await unwind();
        }
      })());
    return {
      dashboardPort: dashboard.port,
      prometheusPort: metricsServer.port,
      summaries: () => state.summary.summaries(),
      dashboard: dashboardState,
      failed: Promise.race([consumer.failed, lease.lost]),
      checkpoint: () => consumer.checkpoint(),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}
