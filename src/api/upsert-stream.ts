import { randomUUID } from 'node:crypto';
import { Metadata, status, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  Operation,
  VectorAdminError,
  validateTenantId,
  type AuthorizedRef,
  type ByteBudget,
  type PointService,
  type CollectionService,
} from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { ownTenant, type Caller } from './caller.js';
import type { GrpcStatus } from './errors.js';
import {
  isCaller,
  type EventFacts,
  type OperationHandler,
  type OperationPipeline,
} from './operation-pipeline.js';
import { vectorBytes } from './point-mappers.js';
import { undecodableRequest, wireSize } from './request-decoding.js';
import { StreamSlots, type StreamCaps } from './stream-slots.js';
import { upsertOperation } from './upsert-operation.js';

/**
 * Flow control for streams: unacknowledged batches per stream, bytes across all streams, and
 * how many streams may be open and for how long idle.
 */
export interface StreamLimits {
  readonly window: number;
  readonly budget: ByteBudget;
  readonly caps: StreamCaps;
}

const CANCELLED: GrpcStatus = {
  code: status.CANCELLED,
  details: 'cancelled by client',
  metadata: new Metadata(),
  exposed: true,
};

type Call = ServerDuplexStream<pb.UpsertRequest, pb.UpsertAck>;

interface Pending {
  readonly request: pb.UpsertRequest;
  /** Vector bytes: what the batch's event reports. */
  readonly bytes: number;
  /** What it holds of the shared in-flight budget. */
  readonly budgetBytes: number;
}

/**
 * UpsertStream: batches are written one after another in arrival order (so the last write of
 * an id wins), each acknowledged once durable. Each batch is one Upsert operation through the
 * pipeline. The stream is read only while fewer than `window` batches wait and the shared byte
 * budget has room, so a fast client meets TCP backpressure instead of growing the server's
 * memory.
 */
export function upsertStreamHandler(
  pipeline: OperationPipeline,
  collections: CollectionService,
  points: PointService,
  limits: StreamLimits,
): (call: Call) => void {
  const upsert = upsertOperation(collections, points);
  const batch: BatchHandler = pipeline.wrap({
    ...upsert,
    run: (ref: AuthorizedRef, request: SequencedRequest) => {
      // Seqs must increase within a stream: a resumed client skips what was acked.
      if (request.seq <= request.lastSeq) {
        throw VectorAdminError.invalidField(
          'seq',
          `must increase: ${request.seq} follows ${request.lastSeq}`,
        );
      }
      return upsert.run(ref, request);
    },
  });
  const slots = new StreamSlots(limits.caps);
  // Opening a stream is an operation of its own: it takes a slot and is evented at once, so a
  // stream that never sends is seen (and counted against the caps) too.
  const open: OpenHandler = pipeline.wrap({
    operation: Operation.StreamOpened,
    authorize: (caller) => ({ tenantId: ownTenant(caller), holder: holderOf(caller) }),
    run: ({ holder }, opening: Opening) =>
      Promise.resolve({
        reply: slots.acquire(holder, opening.connection),
        facts: { streamId: opening.streamId, points: 0, bytes: 0 },
      }),
  });
  return (call) => {
    void (async () => {
      const caller = await pipeline.authenticate(Operation.Upsert, call.metadata, call.getPeer());
      if (!isCaller(caller)) {
        call.emit('error', caller);
        return;
      }
      const streamId = randomUUID();
      const opening = { streamId, connection: call.getPeer() };
      if (ownTenant(caller) === '') {
        // The admin key and dev mode name the tenant in the batches: the stream's open is
        // evented with its first batch's tenant, so it opens and closes under one tenant.
        const taken = await takeSlot(pipeline, slots, caller, opening);
        if (typeof taken !== 'function') call.emit('error', taken);
        else new UpsertStream(pipeline, batch, limits, call, caller, streamId, taken, true).start();
        return;
      }
      const opened = await open(caller, opening);
      if (opened.reply === undefined) {
        call.emit('error', opened.failure);
        return;
      }
      new UpsertStream(
        pipeline,
        batch,
        limits,
        call,
        caller,
        streamId,
        opened.reply,
        false,
      ).start();
    })().catch((err: unknown) => call.emit('error', pipeline.fail(Operation.StreamOpened, err)));
  };
}

/** What a stream's opening knows: its id, and the connection it came on (its peer address). */
interface Opening {
  readonly streamId: string;
  readonly connection: string;
}
type OpenHandler = OperationHandler<Opening, () => void>;

/**
 * A slot for a stream whose tenant is not known yet, or the status it was refused with; only
 * a refusal is evented now (under no tenant: the stream never opened).
 */
async function takeSlot(
  pipeline: OperationPipeline,
  slots: StreamSlots,
  caller: Caller,
  opening: Opening,
): Promise<(() => void) | GrpcStatus> {
  const startedAt = new Date();
  const started = performance.now();
  try {
    return slots.acquire(holderOf(caller), opening.connection);
  } catch (err) {
    const failure = pipeline.fail(Operation.StreamOpened, err);
    const facts = { tenantId: '', table: '', collection: '', streamId: opening.streamId };
    const durationMs = performance.now() - started;
    await pipeline
      .record(Operation.StreamOpened, caller, facts, startedAt, durationMs, failure)
      .catch((publishErr: unknown) =>
        pipeline.logger.warn('operation event dropped', {
          operation: Operation.StreamOpened,
          err: publishErr,
        }),
      );
    return failure;
  }
}

// Streams are capped per credential: a tenant key's tenant, or the admin key, or dev mode.
function holderOf(caller: Caller): string {
  const { principal } = caller;
  return principal.kind === 'tenant' ? `tenant:${principal.tenantId}` : principal.kind;
}

/** A batch with the seq its stream acked last. */
type SequencedRequest = pb.UpsertRequest & { readonly lastSeq: bigint };
type BatchHandler = OperationHandler<SequencedRequest, pb.UpsertAck>;

class UpsertStream {
  private readonly queue: Pending[] = [];
  private readonly openedAt = new Date();
  private readonly opened = performance.now();
  private readonly totals = { points: 0, bytes: 0 };
  /** Tenant, table and collection of the last batch that named them (empty ones repeat them). */
  private where: Pick<EventFacts, 'tenantId' | 'table' | 'collection'>;
  /**
   * The tenant the stream's open was evented under, and so its close: one tenant's partition
   * of the consumers sees both. "" until a stream opened without one names it.
   */
  private tenant: string;
  private lastSeq = -1n;
  private draining = false;
  private clientDone = false;
  private finished = false;
  private paused = false;
  private stopWaiting: (() => void) | undefined;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly pipeline: OperationPipeline,
    private readonly batch: BatchHandler,
    private readonly limits: StreamLimits,
    private readonly call: Call,
    private readonly caller: Caller,
    private readonly id: string,
    private readonly releaseSlot: () => void,
    /** True while the open still waits for a batch naming the tenant to be evented. */
    private openPending: boolean,
  ) {
    this.tenant = ownTenant(caller);
    this.where = { tenantId: this.tenant, table: '', collection: '' };
  }

  start(): void {
    limitReadAhead(this.call);
    this.armIdleTimer();
    this.call.on('data', (request: pb.UpsertRequest) => this.receive(request));
    this.call.on('end', () => {
      this.clientDone = true;
      this.pump();
    });
    this.call.on('cancelled', () => this.finish(CANCELLED));
    // Hung up while the stream was being opened: no 'cancelled' will come.
    if (this.call.cancelled) this.finish(CANCELLED);
    this.call.on('error', (err) =>
      this.pipeline.logger.debug('stream error', { streamId: this.id, err }),
    );
  }

  private receive(request: pb.UpsertRequest): void {
    if (this.finished) return;
    this.armIdleTimer();
    const bytes = undecodableRequest(request) === undefined ? vectorBytes(request.points) : 0;
    // The budget counts what the message held on the wire, payloads included.
    const budgetBytes = wireSize(request) ?? bytes;
    this.limits.budget.acquire(budgetBytes);
    this.queue.push({ request, bytes, budgetBytes });
    this.throttle();
    this.pump();
  }

  private throttle(): void {
    const full = this.queue.length >= this.limits.window || this.limits.budget.exhausted;
    if (full && !this.paused) {
      this.paused = true;
      this.call.pause();
      this.stopWaiting = this.limits.budget.onRelease(() => this.throttle());
    } else if (!full && this.paused) {
      this.paused = false;
      this.stopWaiting?.();
      this.stopWaiting = undefined;
      this.call.resume();
    }
  }

  private pump(): void {
    if (this.draining || this.finished) return;
    const next = this.queue.shift();
    if (next === undefined) {
      if (this.clientDone) this.finish(undefined);
      return;
    }
    this.draining = true;
    this.process(next)
      .catch((err: unknown) => this.pipeline.fail(Operation.Upsert, err))
      .then((failure) => {
        // Whatever happened: a batch's bytes held for good would starve every stream.
        this.limits.budget.release(next.budgetBytes);
        this.draining = false;
        if (failure !== undefined) this.finish(failure);
        else {
          this.throttle();
          this.pump();
        }
      })
      .catch((err: unknown) => this.finish(this.pipeline.fail(Operation.Upsert, err)));
  }

  /** Writes one batch and acks it; resolves to a status only when the stream must end. */
  private async process(pending: Pending): Promise<GrpcStatus | undefined> {
    const { request } = pending;
    // No seq to acknowledge an undecodable batch by: the stream ends with its status, after
    // the batches before it were acked.
    const decoded = undecodableRequest(request) === undefined;
    const sequenced = decoded ? this.sequenced(request) : (request as SequencedRequest);
    if (this.openPending && decoded && isTenantId(sequenced.tenantId))
      await this.recordOpened(sequenced.tenantId);
    const outcome = await this.batch(this.caller, sequenced, { streamId: this.id });
    if (outcome.facts.table !== '') {
      const { tenantId, table, collection } = outcome.facts;
      this.where = { tenantId, table, collection };
    }
    let ack = outcome.reply;
    if (ack === undefined) {
      // A batch the caller got wrong is refused by its ack; anything else ends the stream, and
      // the client resumes after the last ack.
      const err = outcome.error;
      if (!decoded || !(err instanceof VectorAdminError) || err.code !== 'invalid_argument')
        return outcome.failure;
      const violations =
        err.violations.length > 0 ? err.violations : [{ field: 'batch', message: err.message }];
      ack = { seq: request.seq, upserted: 0, errors: violations.map((v) => ({ index: 0, ...v })) };
    }
    if (ack.errors.length === 0) {
      this.lastSeq = request.seq;
      this.totals.points += ack.upserted;
      this.totals.bytes += pending.bytes;
    }
    this.call.write(ack);
    this.armIdleTimer();
    return undefined;
  }

  /**
   * (Re)starts the idle clock: a stream with nothing received and nothing in flight for the
   * idle timeout ends with DEADLINE_EXCEEDED, giving back its slots and memory.
   */
  private armIdleTimer(): void {
    clearTimeout(this.idleTimer);
    if (this.finished) return;
    const { idleTimeoutMs } = this.limits.caps;
    this.idleTimer = setTimeout(() => {
      if (this.draining || this.queue.length > 0) return this.armIdleTimer();
      const idle = new VectorAdminError(
        'deadline_exceeded',
        `stream idle for ${idleTimeoutMs} ms (VECTORADMIN_STREAM_IDLE_TIMEOUT_MS): closed; open a new stream to send more`,
      );
      this.finish(this.pipeline.fail(Operation.StreamClosed, idle));
    }, idleTimeoutMs);
    // The call keeps the server busy anyway; the timer alone must not keep a process alive.
    this.idleTimer.unref();
  }

  // Empty tenant_id/table repeat the stream's previous ones; the first batch sets them.
  private sequenced(request: pb.UpsertRequest): SequencedRequest {
    const named = this.where.table !== '';
    return {
      ...request,
      tenantId: request.tenantId === '' && named ? this.where.tenantId : request.tenantId,
      table: request.table === '' && named ? this.where.table : request.table,
      lastSeq: this.lastSeq,
    };
  }

  private finish(failure: GrpcStatus | undefined): void {
    if (this.finished) return;
    this.finished = true;
    clearTimeout(this.idleTimer);
    this.releaseSlot();
    this.stopWaiting?.();
    for (const pending of this.queue.splice(0)) this.limits.budget.release(pending.budgetBytes);
    this.recordClosed(failure);
    if (failure === undefined) this.call.end();
    else if (failure !== CANCELLED) this.call.emit('error', failure);
  }

  /** Events the open under `tenantId`, which the close will name too. */
  private async recordOpened(tenantId: string): Promise<void> {
    this.openPending = false;
    this.tenant = tenantId;
    const facts = { tenantId, table: '', collection: '', streamId: this.id, points: 0, bytes: 0 };
    await this.pipeline
      .record(Operation.StreamOpened, this.caller, facts, this.openedAt, 0, undefined)
      .catch((err: unknown) =>
        this.pipeline.logger.error('stream event not queued', { streamId: this.id, err }),
      );
  }

  private recordClosed(failure: GrpcStatus | undefined): void {
    // A stream that never named a tenant opens and closes under none.
    const opened = this.openPending ? this.recordOpened('') : Promise.resolve();
    const facts = { ...this.where, tenantId: this.tenant, streamId: this.id, ...this.totals };
    const durationMs = performance.now() - this.opened;
    void opened.then(() =>
      this.pipeline
        .record(Operation.StreamClosed, this.caller, facts, this.openedAt, durationMs, failure)
        .catch((err: unknown) =>
          this.pipeline.logger.error('stream event not queued', { streamId: this.id, err }),
        ),
    );
  }
}

function isTenantId(tenantId: string): boolean {
  try {
    validateTenantId(tenantId);
    return true;
  } catch {
    return false;
  }
}

/**
 * grpc-js reads a call ahead until its object-mode buffer holds 16 messages (the Readable
 * default), paused or not, and those are outside the window and the byte budget: 16 batches
 * of up to maxMessageBytes each per stream. One message of read-ahead keeps the bound.
 * (Node has no public setter; `_readableState.highWaterMark` is read on every push.)
 */
function limitReadAhead(call: Call): void {
  const state = (call as unknown as { _readableState?: { highWaterMark: number } })._readableState;
  if (state !== undefined) state.highWaterMark = 1;
}
