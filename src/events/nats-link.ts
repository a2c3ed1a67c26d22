import { setTimeout as sleep } from 'node:timers/promises';
import {
  Events,
  type JetStreamClient,
  type NatsConnection,
  type QueuedIterator,
  type Status,
} from 'nats';
import type { Logger } from '../domain/logger.js';
import { provisionEventsStream, type EventsStreamLimits } from './events-stream.js';
import { connectNats, natsServers, type NatsTarget } from './nats-connect.js';

/** Where to connect, the stream to keep provisioned, and whom to tell about readiness. */
export interface NatsLinkOptions {
  readonly target: NatsTarget;
  /** Timeout of JetStream requests (publish acks, stream management). */
  readonly requestTimeoutMs: number;
  readonly limits: EventsStreamLimits;
  readonly logger: Logger;
  /** True once connected with the stream provisioned; false when that is lost. */
  readonly onReady: (ready: boolean) => void;
  /** A connect or provisioning attempt failed. */
  readonly onError: (err: unknown) => void;
}

/**
 * Keeps a NATS connection and the events stream ready, in the background. The first connect
 * is retried here (so `close` can stop it even if NATS never comes); afterwards the client
 * reconnects by itself, and every (re)connect provisions the stream again, since a server may
 * come back without it.
 */
export class NatsLink {
  private nc: NatsConnection | undefined;
  private jetstream: JetStreamClient | undefined;
  private provisioning = false;
  private readonly stopping = new AbortController();
  private readonly tasks = new Set<Promise<void>>();

  constructor(private readonly options: NatsLinkOptions) {
    this.track(this.connectLoop());
  }

  /** The JetStream client; undefined before the first connect. */
  get js(): JetStreamClient | undefined {
    return this.jetstream;
  }

  /** Holds sending and provisions the stream again, e.g. when JetStream stopped answering. */
  reprovision(): void {
    this.options.onReady(false);
    const nc = this.nc;
    if (this.provisioning || nc === undefined) return;
    this.provisioning = true;
    this.track(this.provision(nc).finally(() => (this.provisioning = false)));
  }

  /** Stops reconnecting; drains the connection when `drain` (it is live), then closes it. */
  async close(drain: boolean): Promise<void> {
    this.stopping.abort();
    const nc = this.nc;
    if (nc !== undefined) await closeConnection(nc, drain);
    await Promise.all(this.tasks);
  }

  private async connectLoop(): Promise<void> {
    const { target, logger } = this.options;
    for (let attempt = 1, delayMs = 250; !this.stopping.signal.aborted; attempt++) {
      try {
        const nc = await connectNats(target, 'link');
        if (this.stopping.signal.aborted) {
          await nc.close();
          return;
        }
        this.nc = nc;
        this.jetstream = nc.jetstream({ timeout: this.options.requestTimeoutMs });
        logger.info('connected to NATS', { server: nc.getServer() });
        this.track(this.watch(nc));
        this.reprovision();
        return;
      } catch (err) {
        this.options.onError(err);
        // Say it once loudly; repeats every few seconds would drown the log.
        const log = attempt === 1 ? logger.warn.bind(logger) : logger.debug.bind(logger);
        log('NATS unreachable; events wait in the outbox', {
          servers: natsServers(target.natsUrl),
          err,
          attempt,
        });
        await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        delayMs = Math.min(delayMs * 2, 5000);
      }
    }
  }

  private async watch(nc: NatsConnection): Promise<void> {
    const statuses = nc.status() as QueuedIterator<Status>;
    // nats 2.x never ends this iterator when the connection closes (nats-io/nats.js#134).
    void nc.closed().then(() => statuses.stop());
    for await (const status of statuses) {
      if (status.type === Events.Disconnect) {
        this.options.onReady(false);
        this.options.logger.warn('disconnected from NATS; events wait in the outbox', {
          server: status.data,
        });
      } else if (status.type === Events.Reconnect) {
        this.options.logger.info('reconnected to NATS', { server: status.data });
        this.reprovision();
      }
    }
    const err = await nc.closed();
    if (this.stopping.signal.aborted) return;
    // Closed without close(), e.g. credentials refused: start over.
    this.options.onReady(false);
    this.options.logger.error('NATS connection closed; connecting again', { err });
    this.track(this.connectLoop());
  }

  private async provision(nc: NatsConnection): Promise<void> {
    const { limits, logger } = this.options;
    for (
      let attempt = 1, delayMs = 100;
      !this.stopping.signal.aborted && !nc.isClosed();
      attempt++
    ) {
      try {
        const jsm = await nc.jetstreamManager({ timeout: this.options.requestTimeoutMs });
        const result = await provisionEventsStream(jsm, limits);
        if (result !== 'unchanged') logger.info(`events stream ${result}`, { stream: limits.name });
        this.options.onReady(true);
        return;
      } catch (err) {
        this.options.onError(err);
        const log = attempt === 1 ? logger.warn.bind(logger) : logger.debug.bind(logger);
        log('cannot provision the events stream yet', { stream: limits.name, err, attempt });
        await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
        delayMs = Math.min(delayMs * 2, 5000);
      }
    }
  }

  private track(task: Promise<void>): void {
    const tracked = task.catch((err: unknown) =>
      this.options.logger.error('NATS link task failed', { err }),
    );
    this.tasks.add(tracked);
    void tracked.finally(() => this.tasks.delete(tracked));
  }
}

/**
 * Closes a connection, draining it first when `drain` (it is live). Drain needs a live
 * connection and would wait for NATS to come back, so it gets 2 s.
 */
export async function closeConnection(nc: NatsConnection, drain: boolean): Promise<void> {
  if (nc.isClosed()) return;
  if (drain) await withTimeout(nc.drain(), 2000).catch(() => undefined);
  if (!nc.isClosed()) await nc.close();
}

async function withTimeout(task: Promise<void>, ms: number): Promise<void> {
  const timer = new AbortController();
  try {
    await Promise.race([task, sleep(ms, undefined, { signal: timer.signal })]);
  } finally {
    timer.abort();
  }
}
