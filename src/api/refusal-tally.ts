import type { EventBusState, Logger, Operation } from '../domain/index.js';
import type { GrpcStatus } from './errors.js';

/** One call refused before it named a tenant (no key, an unknown key, metadata too large). */
export interface Refusal {
  readonly operation: Operation;
  readonly failure: GrpcStatus;
  readonly startedAt: Date;
  readonly durationMs: number;
}

/** What one refusal event says: `calls` refusals of one kind, from `startedAt` on. */
export interface RefusalCount extends Refusal {
  readonly calls: number;
}

/** How refusals are evented; FIXED_SETTINGS.refusals holds the service's values. */
export interface RefusalTallyOptions {
  readonly windowMs: number;
  /** Refusals are queued only while the outbox holds less than this share of its bound. */
  readonly maxOutboxShare: number;
  readonly events: () => EventBusState;
  readonly publish: (count: RefusalCount) => Promise<void>;
  readonly logger: Logger;
}

interface Tally {
  readonly first: Refusal;
  latest: Refusal;
  calls: number;
  totalDurationMs: number;
}

/**
 * Counts refused calls so that a flood of bad keys can never fill the event outbox and so
 * make writes answer UNAVAILABLE. The first refusal of a kind (operation and status) is
 * evented at once; the rest of its window are counted and evented as one event at the
 * window's end with their number (`calls`), so each kind costs at most one event a window.
 * While the outbox is past `maxOutboxShare` of its bound (NATS away), nothing is queued: the
 * counts grow in memory (one entry per kind) and are evented once there is room again.
 */
export class RefusalTally {
  private readonly tallies = new Map<string, Tally>();
  /** Kinds evented in the current window: their next refusals wait for its end. */
  private readonly evented = new Set<string>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly options: RefusalTallyOptions) {
    this.timer = setInterval(() => void this.flush(), options.windowMs);
    this.timer.unref();
  }

  /** Counts one refusal; resolves once its event is queued, or at once when it waits. */
  count(refusal: Refusal): Promise<void> {
    const kind = `${refusal.operation}|${refusal.failure.code}`;
    const tally = this.tallies.get(kind);
    if (tally === undefined && !this.evented.has(kind) && this.hasRoom()) {
      this.evented.add(kind);
      return this.options.publish({ ...refusal, calls: 1 });
    }
    if (tally === undefined) {
      const totalDurationMs = refusal.durationMs;
      this.tallies.set(kind, { first: refusal, latest: refusal, calls: 1, totalDurationMs });
    } else {
      tally.latest = refusal;
      tally.calls += 1;
      tally.totalDurationMs += refusal.durationMs;
    }
    return Promise.resolve();
  }

  /** Events what has been counted, as far as the outbox has room; called every window. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.flushOnce());
    return this.flushing;
  }

  /** Stops the window timer and events what is left (at shutdown). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async flushOnce(): Promise<void> {
    this.evented.clear();
    for (const [kind, tally] of this.tallies) {
      if (!this.hasRoom()) return;
      this.tallies.delete(kind);
      this.evented.add(kind);
      const count: RefusalCount = {
        operation: tally.first.operation,
        failure: tally.latest.failure,
        startedAt: tally.first.startedAt,
        durationMs: tally.totalDurationMs / tally.calls,
        calls: tally.calls,
      };
      await this.options.publish(count).catch((err: unknown) => {
        this.options.logger.warn('refused calls not evented', { kind, calls: tally.calls, err });
      });
    }
  }

  private hasRoom(): boolean {
    const { pending, capacity, full } = this.options.events();
    return !full && pending < capacity * this.options.maxOutboxShare;
  }
}
