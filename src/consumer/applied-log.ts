/** How many recent event ids are remembered for duplicate detection. */
export const REMEMBERED_IDS = 20_000;

/** AppliedLog as saved in the checkpoint. */
export interface AppliedLogJson {
  readonly floor: number;
  readonly above: readonly number[];
  /** Oldest first. */
  readonly ids: readonly string[];
}

/** What to do with a delivered message. */
export type Admission = 'apply' | 'redelivered' | 'duplicate';

/**
 * Which messages have been applied: the consumer's exactly-once guard.
 *
 * Design (issue 5: "a redelivered event is never counted twice", "killed and restarted ...
 * loses and double-counts nothing"). The consumer applies a message to the in-memory
 * summaries, then writes a checkpoint holding the summaries *and this log* atomically, and only
 * then acks the messages. So whatever JetStream redelivers (ack lost, AckWait expired, process
 * killed between checkpoint and ack) is either in the checkpoint, and recognised here, or was
 * never counted, and is applied now. Two guards:
 * - By stream sequence, which a redelivery keeps: `floor` (every sequence <= floor is done)
 *   plus `above` (done sequences beyond a gap). A set rather than a "last sequence" because
 *   after a restart JetStream delivers new messages before it redelivers the dead session's
 *   unacked ones, so sequences arrive out of order; gaps the stream itself has (deleted
 *   messages) are closed by raising the floor to the consumer's ack floor.
 * - By CloudEvent id (`source`+`id` identify an event; the source is one service): a publisher
 *   retry that outlived the stream's duplicate window is stored again under a new sequence.
 *   The last REMEMBERED_IDS ids are kept, far beyond what JetStream's window lets through.
 */
export class AppliedLog {
  private floor = 0;
  private readonly above = new Set<number>();
  private readonly idSet = new Set<string>();
  private ids: string[] = [];
  private idsHead = 0;

  /** Classifies a message and, when it is to be applied, records it. */
  admit(seq: number, id: string | undefined): Admission {
    if (seq <= this.floor || this.above.has(seq)) return 'redelivered';
    this.markDone(seq);
    if (id === undefined) return 'apply';
    if (this.idSet.has(id)) return 'duplicate';
    this.remember(id);
    return 'apply';
  }

  /** Records a sequence handled without an event (an unparseable message). */
  markDone(seq: number): void {
    if (seq <= this.floor) return;
    this.above.add(seq);
    while (this.above.delete(this.floor + 1)) this.floor += 1;
  }

  /** Every sequence up to `ackFloor` was acked, hence checkpointed: closes stream gaps below it. */
  raiseFloor(ackFloor: number): void {
    if (ackFloor <= this.floor) return;
    this.floor = ackFloor;
    for (const seq of this.above) if (seq <= ackFloor) this.above.delete(seq);
    while (this.above.delete(this.floor + 1)) this.floor += 1;
  }

  /** True when some applied sequences lie beyond a gap. */
  get hasGaps(): boolean {
    return this.above.size > 0;
  }

  /** The highest sequence with nothing missing below it. */
  get contiguousSeq(): number {
    return this.floor;
  }

  toJSON(): AppliedLogJson {
    return {
      floor: this.floor,
      above: [...this.above].sort((a, b) => a - b),
      ids: this.ids.slice(this.idsHead),
    };
  }

  /** Restores a saved log. */
  static fromJSON(json: AppliedLogJson): AppliedLog {
    const log = new AppliedLog();
    log.floor = json.floor;
    for (const seq of json.above) log.above.add(seq);
    for (const id of json.ids) log.remember(id);
    return log;
  }

  private remember(id: string): void {
    this.idSet.add(id);
    this.ids.push(id);
    if (this.ids.length - this.idsHead > REMEMBERED_IDS) {
      const evicted = this.ids[this.idsHead];
      this.idsHead += 1;
      if (evicted !== undefined) this.idSet.delete(evicted);
      // Compact now and then instead of shifting the array on every event.
      if (this.idsHead > REMEMBERED_IDS) {
        this.ids = this.ids.slice(this.idsHead);
        this.idsHead = 0;
      }
    }
  }
}
