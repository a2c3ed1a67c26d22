import { VectorAdminError } from '../domain/errors.js';
import type { CloudEvent } from './cloud-event.js';
import { OutboxJournal, type JournalEntry, type JournalRecord } from './outbox-journal.js';
import { OutboxSender, type OutboxSend } from './outbox-sender.js';
import { FIXED_SETTINGS } from '../config/index.js';

export type { OutboxSend } from './outbox-sender.js';

/** What health checks, logs and metrics need to know about the outbox. */
export interface OutboxState {
  /** Accepted events not yet acknowledged by JetStream. */
  readonly pending: number;
  /** The bound on pending events (`maxPending`). */
  readonly capacity: number;
  /** At the bound: `publish` refuses new events. */
  readonly full: boolean;
  /** Whether events may be sent (NATS connected and the stream provisioned). */
  readonly connected: boolean;
  readonly lastError?: string;
}

/** Where the journal lives, its bound, and tuning with production defaults. */
export interface OutboxOptions {
  /** Directory of the journal, e.g. `<dataDir>/outbox`. */
  readonly dir: string;
  /** Bound on pending events. */
  readonly maxPending: number;
  /** Events sent and awaiting acks at once. */
  readonly window?: number;
  /** Events kept in memory ahead of the sender; the rest wait on disk only. */
  readonly memoryEntries?: number;
  readonly segmentMaxBytes?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  /** Called when `full`, `connected` or `lastError` change. */
  readonly onStateChange?: (state: OutboxState) => void;
}

interface Waiter {
  readonly record: JournalRecord;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

const MAX_WRITE_RECORDS = 1024;
const LOAD_RECORDS = 1024;

/**
 * A bounded, ordered, disk-backed queue in front of JetStream. `publish` resolves once the
 * event is in the journal (outbox-journal.ts: durability), and an OutboxSender publishes in
 * order (outbox-sender.ts: window, retries). Fresh events reach the sender from memory while
 * it keeps up; a backlog, and whatever a previous run left, is read back from disk in order.
 */
export class Outbox {
  private readonly queued: Waiter[] = [];
  private writing = 0;
  private writes: Promise<void> = Promise.resolve();
  private readonly unsent: JournalEntry[] = [];
  /** Records below this index are in `unsent`, in flight or acked; NaN while reading disk. */
  private loadedUpTo: number;
  private acked: number;
  private accepting = true;
  /** Room promised to operations under way, counted against the bound. */
  private reserved = 0;
  private lastError: string | undefined;
  private drainWaiters = new Set<() => void>();
  private reported = '';
  private closing: Promise<void> | undefined;
  private readonly sender: OutboxSender;

  private constructor(
    private readonly journal: OutboxJournal,
    send: OutboxSend,
    private readonly options: OutboxOptions & { memoryEntries: number; retryMaxMs: number },
  ) {
    this.acked = journal.acked;
    this.loadedUpTo = journal.acked;
    this.sender = new OutboxSender(send, () => this.nextEntry(), {
      window: options.window ?? FIXED_SETTINGS.outbox.window,
      retryMinMs: options.retryMinMs ?? FIXED_SETTINGS.outbox.retryMinMs,
      retryMaxMs: options.retryMaxMs,
      onAcked: (acked) => this.onAcked(acked),
      onError: (err) => this.setError(err),
    });
  }

  /** Opens the journal in `options.dir`; the sender waits for `setConnected(true)`. */
  static async open(send: OutboxSend, options: OutboxOptions): Promise<Outbox> {
    const journal = await OutboxJournal.open(
      options.dir,
      options.segmentMaxBytes ?? FIXED_SETTINGS.outbox.segmentMaxBytes,
    );
    return new Outbox(journal, send, {
      ...options,
      memoryEntries: options.memoryEntries ?? FIXED_SETTINGS.outbox.memoryEntries,
      retryMaxMs: options.retryMaxMs ?? FIXED_SETTINGS.outbox.retryMaxMs,
    });
  }

  /** Accepted events not yet acknowledged. */
  get pending(): number {
    return this.journal.nextIndex + this.writing + this.queued.length - this.acked;
  }

  /** Health, log and metric view. */
  state(): OutboxState {
    return {
      pending: this.pending,
      capacity: this.options.maxPending,
      full: !this.hasRoom(),
      connected: this.sender.isConnected,
      ...(this.lastError === undefined ? {} : { lastError: this.lastError }),
    };
  }

  /** Queues an event durably; rejects unavailable when the outbox is full or closing. */
  publish(event: CloudEvent): Promise<void> {
    if (!this.hasRoom()) {
      this.report();
      return Promise.reject(fullError());
    }
    return this.enqueue(event);
  }

  /** Reserves room for one event (see EventBus.reserve); throws unavailable when full. */
  reserve(): { publish: (event: CloudEvent) => Promise<void>; release: () => void } {
    if (!this.hasRoom()) {
      this.report();
      throw fullError();
    }
    this.reserved += 1;
    this.report();
    let held = true;
    const giveBack = () => {
      if (!held) return false;
      held = false;
      this.reserved -= 1;
      return true;
    };
    return {
      publish: (event) =>
        giveBack()
          ? this.enqueue(event)
          : Promise.reject(new VectorAdminError('internal', 'an event reservation used twice')),
      release: () => {
        if (giveBack()) this.report();
      },
    };
  }

  // A journal that can no longer be trusted takes nothing: health reports the outbox full.
  private hasRoom(): boolean {
    return !this.journal.failed && this.pending + this.reserved < this.options.maxPending;
  }

  private enqueue(event: CloudEvent): Promise<void> {
    if (!this.accepting) {
      return Promise.reject(new VectorAdminError('unavailable', 'the event outbox is closed'));
    }
    const record: JournalRecord = {
      id: event.id,
      subject: event.subject,
      ...(event.traceparent === undefined ? {} : { traceparent: event.traceparent }),
      ...(event.tracestate === undefined ? {} : { tracestate: event.tracestate }),
      payload: JSON.stringify(event),
    };
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ record, resolve, reject });
      if (this.writing === 0 && this.queued.length === 1) this.writes = this.writeQueued();
      this.report();
    });
  }

  /** Lets events flow (true) or holds them (false) while NATS or the stream is unavailable. */
  setConnected(connected: boolean): void {
    if (this.sender.isConnected === connected) return;
    this.sender.setConnected(connected);
    this.report();
  }

  /** Resolves true once nothing is pending, false if `timeoutMs` passes first. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.pending === 0) return true;
    let done: () => void = () => undefined;
    let timer: NodeJS.Timeout | undefined;
    const result = await new Promise<boolean>((resolve) => {
      done = () => resolve(true);
      this.drainWaiters.add(done);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    clearTimeout(timer);
    this.drainWaiters.delete(done);
    return result;
  }

  /** Stops accepting, sends what it can within `flushTimeoutMs`, then closes the journal. */
  close(flushTimeoutMs: number): Promise<void> {
    this.closing ??= (async () => {
      this.accepting = false;
      await this.writes;
      if (flushTimeoutMs > 0) await this.drained(flushTimeoutMs);
      await this.sender.stop();
      await this.journal.close();
    })();
    return this.closing;
  }

  // Group commit: everything queued while a write runs goes into the next write.
  private async writeQueued(): Promise<void> {
    while (this.queued.length > 0) {
      const batch = this.queued.splice(0, MAX_WRITE_RECORDS);
      this.writing = batch.length;
      const start = this.journal.nextIndex;
      try {
        await this.journal.append(batch.map((w) => w.record));
      } catch (err) {
        this.writing = 0;
        this.setError(err);
        const message = 'the event outbox cannot write its journal';
        // A full disk or a failed write may pass (issue 17): clients get RetryInfo and retry.
        const failure = new VectorAdminError('unavailable', message, {
          cause: err,
          retryAfterMs: 1000,
        });
        for (const w of batch) w.reject(failure);
        continue;
      }
      this.writing = 0;
      // Hand fresh events to the sender from memory, unless it is behind and reads disk.
      if (this.loadedUpTo === start && this.unsent.length < this.options.memoryEntries) {
        batch.forEach((w, i) => this.unsent.push({ index: start + i, ...w.record }));
        this.loadedUpTo = start + batch.length;
      }
      for (const w of batch) w.resolve();
      this.sender.notify();
    }
  }

  private nextEntry(): JournalEntry | undefined | Promise<JournalEntry | undefined> {
    const entry = this.unsent.shift();
    if (entry !== undefined || !(this.loadedUpTo < this.journal.nextIndex)) return entry;
    return this.load().then(() => this.unsent.shift());
  }

  private async load(): Promise<void> {
    const from = this.loadedUpTo;
    this.loadedUpTo = Number.NaN; // so a finishing write cannot also hand these records over
    try {
      const entries = await this.journal.read(from, LOAD_RECORDS);
      this.unsent.push(...entries);
      this.loadedUpTo = from + entries.length;
    } catch (err) {
      this.loadedUpTo = from;
      this.setError(err);
      setTimeout(() => this.sender.notify(), this.options.retryMaxMs).unref();
    }
  }

  private onAcked(acked: number): void {
    this.acked = acked;
    this.journal.commit(acked).catch((err: unknown) => this.setError(err));
    this.report();
    if (this.pending === 0) for (const waiter of this.drainWaiters) waiter();
  }

  /** Records the latest problem for `state()` (undefined clears it), e.g. a connect failure. */
  setError(err: unknown): void {
    const message =
      err === undefined ? undefined : err instanceof Error ? err.message : 'unknown error';
    if (message === this.lastError) return;
    this.lastError = message;
    this.report();
  }

  private report(): void {
    const state = this.state();
    const key = `${state.full}|${state.connected}|${state.lastError ?? ''}`;
    if (key === this.reported) return;
    this.reported = key;
    this.options.onStateChange?.(state);
  }
}

function fullError(): VectorAdminError {
  const message = 'the event outbox is full: NATS is not taking events';
  return new VectorAdminError('unavailable', message, { retryAfterMs: 1000 });
}
