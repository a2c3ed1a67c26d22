import { setTimeout as sleep } from 'node:timers/promises';
import type { JournalEntry } from './outbox-journal.js';

/** Sends one journal entry; resolves once JetStream acknowledged it (a duplicate ack counts). */
export type OutboxSend = (entry: JournalEntry) => Promise<void>;

/** Where the sender takes entries from, in index order; undefined when none is ready. */
export type EntrySource = () => JournalEntry | undefined | Promise<JournalEntry | undefined>;

/** Window and retry settings, and the callbacks the outbox uses to track progress. */
export interface OutboxSenderOptions {
  /** Entries sent and awaiting acks at once. */
  readonly window: number;
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** Every entry below `acked` is acknowledged. */
  readonly onAcked: (acked: number) => void;
  /** A send failed (`err`), or one succeeded after failures (`undefined`). */
  readonly onError: (err: unknown) => void;
}

interface Slot {
  readonly entry: JournalEntry;
  state: 'inflight' | 'acked' | 'failed';
}

/**
 * Publishes entries in index order with up to `window` acks outstanding (one round trip per
 * window, not per event). A failure stops new sends; once the window has settled, failed
 * entries are resent one at a time, in order, with exponential backoff, and new entries follow
 * as soon as the last failed one has been resent. So order holds, except that an entry whose
 * send (or resend) fails may land after later entries that got through: at most a window's
 * worth. Resends reuse the entry's id (Nats-Msg-Id).
 */
export class OutboxSender {
  private readonly slots: Slot[] = [];
  private connected = false;
  private stopped = false;
  private failing = false;
  private backoffMs: number;
  private signalled = false;
  private wake: (() => void) | undefined;
  private readonly stopping = new AbortController();
  private readonly loop: Promise<void>;

  constructor(
    private readonly send: OutboxSend,
    private readonly next: EntrySource,
    private readonly options: OutboxSenderOptions,
  ) {
    this.backoffMs = options.retryMinMs;
    this.loop = this.run();
  }

  /** Whether sending is allowed (NATS connected and the stream provisioned). */
  get isConnected(): boolean {
    return this.connected;
  }

  /** Allows (true) or holds (false) sending; entries in flight settle on their own. */
  setConnected(connected: boolean): void {
    this.connected = connected;
    this.notify();
  }

  /** Tells the sender that entries may be ready. */
  notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    if (wake === undefined) this.signalled = true;
    else wake();
  }

  /** Stops sending; entries in flight still settle, but nothing new goes out. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopping.abort();
    this.notify();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      if (this.connected) {
        const failed = this.slots.find((s) => s.state === 'failed');
        if (failed === undefined) {
          await this.fill();
        } else if (!this.slots.some((s) => s.state === 'inflight')) {
          const delayMs = this.backoffMs;
          this.backoffMs = Math.min(this.backoffMs * 2, this.options.retryMaxMs);
          await sleep(delayMs, undefined, { signal: this.stopping.signal }).catch(() => undefined);
          if (this.connected && !this.stopped) this.dispatch(failed);
        }
      }
      await this.signal();
    }
  }

  private async fill(): Promise<void> {
    while (this.connected && !this.stopped && this.slots.length < this.options.window) {
      const pending = this.next();
      const entry = pending instanceof Promise ? await pending : pending;
      if (entry === undefined) return;
      const slot: Slot = { entry, state: 'inflight' };
      this.slots.push(slot);
      this.dispatch(slot);
    }
  }

  private dispatch(slot: Slot): void {
    slot.state = 'inflight';
    this.send(slot.entry).then(
      () => {
        slot.state = 'acked';
        this.backoffMs = this.options.retryMinMs;
        if (this.failing) {
          this.failing = false;
          this.options.onError(undefined);
        }
        this.advance();
        this.notify();
      },
      (err: unknown) => {
        slot.state = 'failed';
        this.failing = true;
        this.options.onError(err);
        this.notify();
      },
    );
  }

  private advance(): void {
    let acked: number | undefined;
    while (this.slots[0]?.state === 'acked') acked = (this.slots.shift()?.entry.index ?? 0) + 1;
    if (acked !== undefined) this.options.onAcked(acked);
  }

  private signal(): Promise<void> {
    if (this.signalled || this.stopped) {
      this.signalled = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.wake = resolve));
  }
}
