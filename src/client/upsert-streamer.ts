import { once } from 'node:events';
import {
  status,
  type ClientDuplexStream,
  type ServiceError,
  type StatusObject,
} from '@grpc/grpc-js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import type { Connection } from './connect.js';
import { DEFAULT_RETRY, backoffMs, delay, isRetryable, type RetryPolicy } from './retry.js';

/** One batch for UpsertStream; the streamer assigns its seq. */
export interface StreamBatch {
  readonly tenantId?: string;
  readonly table: string;
  readonly points: pb.Point[];
  readonly autoCreate?: pb.CollectionConfig;
}

export interface StreamOptions {
  /** Unacknowledged batches allowed in flight; default 8. */
  readonly window?: number;
  readonly retry?: RetryPolicy;
  /** The first seq to assign; default 1. */
  readonly firstSeq?: bigint;
  readonly signal?: AbortSignal;
  /** Called for every ack, in seq order, with the batch it acknowledges. */
  readonly onAck?: (ack: pb.UpsertAck, batch: StreamBatch) => void;
}

export interface StreamResult {
  readonly batches: number;
  readonly upserted: number;
  /** Batches the server rejected whole, with its reasons. */
  readonly rejected: readonly { readonly seq: bigint; readonly errors: readonly pb.PointError[] }[];
  /** Streams re-opened after a retryable failure. */
  readonly reconnects: number;
  /** The last seq acknowledged. */
  readonly lastSeq: bigint;
}

interface InFlight {
  readonly request: pb.UpsertRequest;
  readonly batch: StreamBatch;
}

type Call = ClientDuplexStream<pb.UpsertRequest, pb.UpsertAck>;

/**
 * Streams batches with a window of unacknowledged ones. When a stream breaks with a retryable
 * status it re-opens one (backing off) and resends from the first unacknowledged seq; ids are
 * idempotent, so a batch written twice changes nothing.
 */
export async function streamUpserts(
  connection: Connection,
  batches: AsyncIterable<StreamBatch> | Iterable<StreamBatch>,
  options: StreamOptions = {},
): Promise<StreamResult> {
  return new UpsertStreamer(connection, batches, options).run();
}

class UpsertStreamer {
  private readonly source: AsyncIterator<StreamBatch> | Iterator<StreamBatch>;
  private readonly window: number;
  private readonly retry: RetryPolicy;
  private readonly unacked: InFlight[] = [];
  private nextSeq: bigint;
  private lastSeq = 0n;
  private sourceDone = false;
  private pulling = false;
  private tenantId = '';
  private table = '';
  private current: Call | undefined;
  private readonly halfClosed = new WeakSet<Call>();
  private batches = 0;
  private upserted = 0;
  private reconnects = 0;
  private readonly rejected: { seq: bigint; errors: pb.PointError[] }[] = [];

  constructor(
    private readonly connection: Connection,
    batches: AsyncIterable<StreamBatch> | Iterable<StreamBatch>,
    private readonly options: StreamOptions,
  ) {
    this.source =
      Symbol.asyncIterator in batches
        ? batches[Symbol.asyncIterator]()
        : batches[Symbol.iterator]();
    this.window = options.window ?? 8;
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.nextSeq = options.firstSeq ?? 1n;
  }

  async run(): Promise<StreamResult> {
    let attempt = 0;
    for (;;) {
      const ackedBefore = this.batches;
      try {
        await this.session();
        return {
          batches: this.batches,
          upserted: this.upserted,
          rejected: this.rejected,
          reconnects: this.reconnects,
          lastSeq: this.lastSeq,
        };
      } catch (err) {
        // Progress since the last failure resets the budget of attempts.
        attempt = this.batches > ackedBefore ? 1 : attempt + 1;
        if (!isRetryable(err) || attempt >= this.retry.maxAttempts || this.options.signal?.aborted)
          throw err;
        this.reconnects += 1;
        await delay(backoffMs(this.retry, attempt, err), this.options.signal);
      }
    }
  }

  private session(): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const call = this.connection.raw.upsertStream(this.connection.metadata());
      this.current = call;
      let settled = false;
      const settle = (err?: unknown) => {
        if (settled) return;
        settled = true;
        if (this.current === call) this.current = undefined;
        this.options.signal?.removeEventListener('abort', onAbort);
        if (err === undefined) resolve();
        else {
          call.cancel();
          reject(err instanceof Error ? err : new Error('upsert stream aborted', { cause: err }));
        }
      };
      const onAbort = () => settle(this.options.signal?.reason);
      this.options.signal?.addEventListener('abort', onAbort, { once: true });
      call.on('data', (ack: pb.UpsertAck) => {
        const head = this.unacked[0];
        if (head?.request.seq !== ack.seq) {
          settle(
            new Error(
              `ack for seq ${ack.seq} does not match the first unacknowledged seq ${head?.request.seq}`,
            ),
          );
          return;
        }
        this.unacked.shift();
        this.acknowledge(ack, head.batch);
        this.fill(call).catch(settle);
      });
      call.on('error', (err: ServiceError) => settle(err));
      call.on('status', (s: StatusObject) => {
        if (s.code !== status.OK) return;
        if (this.unacked.length === 0 && this.sourceDone) settle();
        else
          settle(
            Object.assign(new Error('stream ended before every batch was acknowledged'), {
              code: status.UNAVAILABLE,
            }),
          );
      });
      for (const inFlight of this.unacked) call.write(inFlight.request);
      this.fill(call).catch(settle);
    });
  }

  private acknowledge(ack: pb.UpsertAck, batch: StreamBatch): void {
    this.batches += 1;
    this.lastSeq = ack.seq;
    this.upserted += ack.upserted;
    if (ack.errors.length > 0) this.rejected.push({ seq: ack.seq, errors: ack.errors });
    this.options.onAck?.(ack, batch);
  }

  // Pulls from the source while the window has room; one puller at a time.
  private async fill(call: Call): Promise<void> {
    if (this.pulling) return;
    this.pulling = true;
    try {
      while (!this.sourceDone && this.unacked.length < this.window && this.current === call) {
        const next = await this.source.next();
        if (next.done === true) {
          this.sourceDone = true;
          break;
        }
        const batch = next.value;
        // Every request names its tenant and table: on a resumed stream there is no "previous"
        // for an empty one to repeat.
        this.tenantId =
          batch.tenantId !== undefined && batch.tenantId !== '' ? batch.tenantId : this.tenantId;
        this.table = batch.table !== '' ? batch.table : this.table;
        const request: pb.UpsertRequest = {
          tenantId: this.tenantId,
          table: this.table,
          seq: this.nextSeq++,
          points: batch.points,
          autoCreate: batch.autoCreate,
        };
        this.unacked.push({ request, batch });
        // The live stream, which may be a newer one than this pull began on (it resent the
        // unacked batches before this one joined them); none while reconnecting, and then
        // the next stream sends it with the others unacked.
        const live = this.current;
        if (live !== undefined && !live.write(request)) await once(live, 'drain');
      }
    } finally {
      this.pulling = false;
    }
    if (this.current !== call) {
      const live = this.current;
      if (live !== undefined) await this.fill(live);
      return;
    }
    // Half-close once the source is spent: the server acks what it holds, then ends.
    if (this.sourceDone && !this.halfClosed.has(call)) {
      this.halfClosed.add(call);
      call.end();
    }
  }
}
