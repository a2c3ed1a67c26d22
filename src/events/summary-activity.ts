import { setTimeout as sleep } from 'node:timers/promises';
import type { NatsConnection } from 'nats';
import type { Logger, WriteActivity, WriteActivitySource } from '../domain/index.js';
import { closeConnection } from './nats-link.js';
import { connectNats, type NatsTarget } from './nats-connect.js';
import { SUMMARIES_SUBJECT_WILDCARD } from './subjects.js';

/** The fields of a published summary (the consumer's `Summary` JSON) this feed reads. */
interface SummaryFields {
  readonly scope?: unknown;
  readonly window_start?: unknown;
  readonly operation?: unknown;
  readonly tenant_id?: unknown;
  readonly collection?: unknown;
  readonly points?: unknown;
  readonly last_ended_at?: unknown;
  readonly points_per_s?: unknown;
}

interface Known {
  lastWriteAt: Date;
  pointsPerSecond: number;
  /** Start of the window the rate is from (ms); -1 until a window arrived. */
  windowStartMs: number;
}

/**
 * Write activity per tenant and collection, from the summaries the metrics consumer publishes
 * on `vectoradmin.v1.summaries.*` (core NATS). Upserts that wrote points count: the last write
 * is the latest `last_ended_at`, the rate the `points_per_s` of the newest window. It knows
 * what was published since this process subscribed; summaries are published when they change,
 * so a table gets its figures at its next write after a restart.
 */
export class SummaryActivityFeed implements WriteActivitySource {
  readonly #known = new Map<string, Known>();
  #nc: NatsConnection | undefined;
  readonly #stopping = new AbortController();
  readonly #connecting: Promise<void>;

  /** Subscribes in the background: start-up never waits for NATS. */
  constructor(target: NatsTarget, logger: Logger) {
    this.#connecting = this.#connect({ ...target, name: 'vectoradmin-activity' }, logger);
  }

  // The first connect is retried here so that close() stops it even if NATS never comes (as
  // NatsLink.connectLoop does for events); afterwards the client reconnects by itself and
  // keeps the subscription. So a flush cut by a disconnect is no reason to connect again: a
  // second connection would leave the first reconnecting for ever, past close().
  async #connect(target: NatsTarget, logger: Logger): Promise<void> {
    for (let attempt = 1, delayMs = 250; !this.#stopping.signal.aborted; attempt++) {
      let nc: NatsConnection;
      try {
        nc = await connectNats(target, 'link');
      } catch (err) {
        if (attempt === 1) logger.warn('write activity: NATS unreachable; retrying', { err });
        await sleep(delayMs, undefined, { signal: this.#stopping.signal }).catch(() => undefined);
        delayMs = Math.min(delayMs * 2, 5000);
        continue;
      }
      if (this.#stopping.signal.aborted) return closeConnection(nc, false);
      this.#nc = nc;
      nc.subscribe(SUMMARIES_SUBJECT_WILDCARD, {
        callback: (err, msg) => {
          if (err === null) this.apply(msg.data);
        },
      });
      return nc.flush().catch(() => undefined);
    }
  }

  activity(tenantId: string, collection: string): WriteActivity | undefined {
    const known = this.#known.get(key(tenantId, collection));
    return known === undefined
      ? undefined
      : { lastWriteAt: known.lastWriteAt, pointsPerSecond: known.pointsPerSecond };
  }

  /**
   * Resolves once the subscription is in place, or its connection was lost right after
   * subscribing (the client subscribes again when it reconnects); for tests. Never resolves
   * while NATS stays away.
   */
  async subscribed(): Promise<void> {
    await this.#connecting;
  }

  /** Applies one published message `{ "summaries": Summary[] }`; ignores what it cannot read. */
  apply(data: Uint8Array): void {
    let parsed: { summaries?: unknown };
    try {
      parsed = JSON.parse(new TextDecoder().decode(data)) as { summaries?: unknown };
    } catch {
      return;
    }
    if (!Array.isArray(parsed.summaries)) return;
    for (const summary of parsed.summaries as SummaryFields[]) this.#applyOne(summary);
  }

  #applyOne(s: SummaryFields): void {
    if (s.operation !== 'upsert' || typeof s.points !== 'number' || s.points <= 0) return;
    if (typeof s.tenant_id !== 'string' || typeof s.collection !== 'string') return;
    const ended = typeof s.last_ended_at === 'string' ? new Date(s.last_ended_at) : undefined;
    if (ended === undefined || Number.isNaN(ended.getTime())) return;
    const k = key(s.tenant_id, s.collection);
    const known = this.#known.get(k) ?? {
      lastWriteAt: ended,
      pointsPerSecond: 0,
      windowStartMs: -1,
    };
    if (ended > known.lastWriteAt) known.lastWriteAt = ended;
    const windowStartMs = typeof s.window_start === 'string' ? Date.parse(s.window_start) : NaN;
    if (s.scope === 'window' && windowStartMs >= known.windowStartMs) {
      known.windowStartMs = windowStartMs;
      known.pointsPerSecond = typeof s.points_per_s === 'number' ? s.points_per_s : 0;
    }
    this.#known.set(k, known);
  }

  async close(): Promise<void> {
    this.#stopping.abort();
    // Closed before the connect settles: a flush waiting for a reconnect ends with it.
    const nc = this.#nc;
    if (nc !== undefined) await closeConnection(nc, false);
    await this.#connecting;
    this.#nc = undefined;
  }
}

function key(tenantId: string, collection: string): string {
  return `${tenantId}/${collection}`;
}
