import { ConsumerEvents, type ConsumerMessages, type JsMsg, type NatsConnection } from 'nats';
import type { Logger } from '../domain/index.js';
import { ackFloor, type DurableSettings } from './durable-consumer.js';
import type { EventProcessor } from './event-processor.js';

// Statuses that say messages are not flowing; the debug ones are routine.
const WORTH_LOGGING: ReadonlySet<string> = new Set<string>([
  ConsumerEvents.HeartbeatsMissed,
  ConsumerEvents.ConsumerNotFound,
  ConsumerEvents.StreamNotFound,
  ConsumerEvents.ConsumerDeleted,
  ConsumerEvents.NoResponders,
]);

/** Settings of the consume loop. */
export interface EventConsumerOptions {
  readonly nc: NatsConnection;
  readonly durable: DurableSettings;
  readonly processor: EventProcessor;
  /** Persists the processor's state durably; acks wait for it. */
  readonly save: () => Promise<void>;
  readonly logger: Logger;
  /** Checkpoint at least this often while messages are waiting for their ack. */
  readonly checkpointIntervalMs: number;
  /** Checkpoint as soon as this many messages wait for their ack (below max_ack_pending). */
  readonly checkpointEveryMessages: number;
}

/**
 * Reads the durable pull consumer and acks each message only after a checkpoint that includes
 * it (see AppliedLog for why that gives exactly-once summaries). Messages are handled one at a
 * time in delivery order; checkpoints run on a timer and when enough acks are waiting.
 */
export class EventConsumer {
  private messages: ConsumerMessages | undefined;
  private unacked: JsMsg[] = [];
  private saving: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private loop: Promise<void> = Promise.resolve();
  private stopped = false;
  private lastFailure: string | undefined;
  /** Messages in the stream not yet delivered to this consumer, as of the last delivery. */
  streamPending = 0;
  /** Completed checkpoints. */
  checkpoints = 0;
  /** Settles with the error when consuming ends by itself (a bug, not a NATS outage). */
  readonly failed: Promise<unknown>;
  private fail: (err: unknown) => void = () => undefined;

  constructor(private readonly options: EventConsumerOptions) {
    this.failed = new Promise((resolve) => (this.fail = resolve));
  }

  /** Starts consuming; resolves once the first pull is under way. */
  async start(): Promise<void> {
    const { nc, durable } = this.options;
    const consumer = await nc.jetstream().consumers.get(durable.stream, durable.name);
    this.messages = await consumer.consume({
      max_messages: Math.min(512, this.options.checkpointEveryMessages),
    });
    this.loop = this.run(this.messages);
    this.timer = setInterval(() => {
      this.checkpoint().catch((err: unknown) => this.checkpointFailed(err));
    }, this.options.checkpointIntervalMs);
  }

  /** Stops pulling, checkpoints and acks what was handled. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearInterval(this.timer);
    await this.messages?.close();
    await this.loop;
    await this.checkpoint();
  }

  /** Writes a checkpoint now (if anything waits for an ack) and acks what it covers. */
  checkpoint(): Promise<void> {
    this.saving = this.saving.then(
      () => this.saveAndAck(),
      () => this.saveAndAck(),
    );
    return this.saving;
  }

  private async run(messages: ConsumerMessages): Promise<void> {
    this.watchStatus(messages).catch((err: unknown) =>
      this.options.logger.warn('event consumer status unavailable', { err }),
    );
    try {
      for await (const m of messages) {
        this.options.processor.handle(m.seq, m.data, m.subject);
        this.unacked.push(m);
        this.streamPending = m.info.pending;
        if (this.unacked.length >= this.options.checkpointEveryMessages) {
          // A failed checkpoint leaves its messages unacked: delivery pauses at max_ack_pending
          // and resumes once a checkpoint succeeds.
          await this.checkpoint().catch((err: unknown) => this.checkpointFailed(err));
        }
      }
    } catch (err) {
      if (!this.stopped) {
        this.options.logger.error('event consumer stopped unexpectedly', { err });
        this.fail(err);
      }
    }
  }

  private checkpointFailed(err: unknown): void {
    // Once per distinct reason: an outage fails every tick the same way.
    const reason = err instanceof Error ? err.message : String(err);
    const { logger } = this.options;
    if (reason === this.lastFailure) logger.debug('checkpoint failed again', { err });
    else logger.error('checkpoint failed; its events stay unacked', { err });
    this.lastFailure = reason;
  }

  private async saveAndAck(): Promise<void> {
    if (this.unacked.length === 0) return;
    const covered = this.unacked;
    this.unacked = [];
    try {
      await this.options.save();
    } catch (err) {
      // Not acked: they stay pending and come back after AckWait, or with the next checkpoint.
      this.unacked = covered.concat(this.unacked);
      throw err;
    }
    for (const m of covered) m.ack();
    this.checkpoints += 1;
    this.lastFailure = undefined;
    const applied = this.options.processor.applied;
    if (applied.hasGaps) {
      // Sequences the stream no longer has never arrive; the ack floor closes those gaps.
      // Best effort: the next checkpoint asks again.
      try {
        const jsm = await this.options.nc.jetstreamManager();
        applied.raiseFloor(await ackFloor(jsm, this.options.durable));
      } catch (err) {
        this.options.logger.debug('cannot read the ack floor yet', { err });
      }
    }
  }

  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    for await (const status of await messages.status()) {
      if (WORTH_LOGGING.has(status.type)) {
        this.options.logger.warn('event consumer status', {
          status: status.type,
          data: status.data,
        });
      }
    }
  }
}
