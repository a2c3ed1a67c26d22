import { randomUUID } from 'node:crypto';
import { Metadata, status, type ServerDuplexStream } from '@grpc/grpc-js';
import {
  ApiKeys,
  Operation,
  VectorAdminError,
  type ByteBudget,
  type CollectionRef,
  type CollectionService,
  type EventReservation,
  type PointService,
} from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { configRequestFromProto } from './collection-mappers.js';
import { toGrpcStatus, type GrpcStatus } from './errors.js';
import {
  callerFrom,
  fallbackTenant,
  mayConfigureShared,
  type Caller,
  type OperationFacts,
} from './operation-recorder.js';
import { pointInputFromProto, vectorBytes } from './point-mappers.js';
import { undecodableRequest, wireSize } from './request-decoding.js';
import type { HandlerDeps } from './unary.js';

/** Flow control for streams: unacknowledged batches per stream, bytes across all streams. */
export interface StreamLimits {
  readonly window: number;
  readonly budget: ByteBudget;
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
 * an id wins), each acknowledged once durable. The stream is read only while fewer than
 * `window` batches wait and the shared byte budget has room, so a fast client meets TCP
 * backpressure instead of growing the server's memory.
 */
export function upsertStreamHandler(
  deps: HandlerDeps,
  collections: CollectionService,
  points: PointService,
  limits: StreamLimits,
): (call: Call) => void {
  return (call) => {
    let caller: Caller;
    try {
      caller = callerFrom(call.metadata, deps.keys);
    } catch (err) {
      deps.logger.warn('stream refused', { peer: call.getPeer(), err });
      call.emit('error', toGrpcStatus(err));
      return;
    }
    new UpsertStream(deps, collections, points, limits, call, caller).start();
  };
}

class UpsertStream {
  private readonly id = randomUUID();
  private readonly queue: Pending[] = [];
  private readonly openedAt = new Date();
  private readonly opened = performance.now();
  private readonly totals = { points: 0, bytes: 0 };
  private facts: OperationFacts;
  private ref: CollectionRef | undefined;
  private lastSeq = -1n;
  private draining = false;
  private clientDone = false;
  private finished = false;
  private paused = false;
  private openRecorded = false;
  private stopWaiting: (() => void) | undefined;

  constructor(
    private readonly deps: HandlerDeps,
    private readonly collections: CollectionService,
    private readonly points: PointService,
    private readonly limits: StreamLimits,
    private readonly call: Call,
    private readonly caller: Caller,
  ) {
    this.facts = { tenantId: fallbackTenant(caller), table: '', collection: '', streamId: this.id };
  }

  start(): void {
    limitReadAhead(this.call);
    this.call.on('data', (request: pb.UpsertRequest) => this.receive(request));
    this.call.on('end', () => {
      this.clientDone = true;
      this.pump();
    });
    this.call.on('cancelled', () => this.finish(CANCELLED));
    this.call.on('error', (err) =>
      this.deps.logger.debug('stream error', { streamId: this.id, err }),
    );
  }

  private receive(request: pb.UpsertRequest): void {
    if (this.finished) return;
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
      // E.g. the outbox refusing the batch's event: the stream ends, and the client resumes.
      .catch((err: unknown) => toGrpcStatus(err))
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
      .catch((err: unknown) => this.finish(toGrpcStatus(err)));
  }

  /** Writes one batch and acks it; resolves to a status only when the stream must end. */
  private async process(pending: Pending): Promise<GrpcStatus | undefined> {
    const { request } = pending;
    const startedAt = new Date();
    const started = performance.now();
    const undecodable = undecodableRequest(request);
    if (undecodable !== undefined) {
      // No seq to acknowledge it by: the stream ends, after the batches before it were acked.
      const failure = this.deps.recorder.fail(Operation.Upsert, undecodable);
      await this.recordBatch({ ...this.facts }, startedAt, started, failure);
      return failure;
    }
    const facts: OperationFacts = {
      ...this.facts,
      seq: request.seq.toString(),
      points: 0,
      pointsRequested: request.points.length,
      bytes: pending.bytes,
    };
    let ack: pb.UpsertAck;
    let reservation: EventReservation | undefined;
    try {
      const ref = this.resolveRef(request, facts);
      if (!this.openRecorded) {
        this.openRecorded = true;
        this.record(Operation.StreamOpened, 0, undefined);
      }
      if (request.seq <= this.lastSeq) {
        throw VectorAdminError.invalidField(
          'seq',
          `must increase: ${request.seq} follows ${this.lastSeq}`,
        );
      }
      reservation = this.deps.recorder.admitWrite();
      const autoCreate = configRequestFromProto(request.autoCreate, 'auto_create');
      const outcome = await this.points.upsert(
        ref,
        request.points.map(pointInputFromProto),
        autoCreate,
        mayConfigureShared(this.caller),
      );
      facts.vectorSize = outcome.vectorSize;
      facts.points = outcome.upserted;
      if (outcome.collection !== '') {
        facts.collection = outcome.collection;
        this.facts = { ...this.facts, collection: outcome.collection };
      }
      this.lastSeq = request.seq;
      ack = { seq: request.seq, upserted: outcome.upserted, errors: [...outcome.errors] };
    } catch (err) {
      if (!(err instanceof VectorAdminError) || err.code !== 'invalid_argument') {
        // Not the batch's fault: the stream ends with this status and the client resumes.
        const failure = this.deps.recorder.fail(Operation.Upsert, err);
        await this.recordBatch(facts, startedAt, started, failure, reservation);
        return failure;
      }
      const violations =
        err.violations.length > 0 ? err.violations : [{ field: 'batch', message: err.message }];
      ack = { seq: request.seq, upserted: 0, errors: violations.map((v) => ({ index: 0, ...v })) };
    }
    const failure = ack.errors.length > 0 ? toGrpcStatus(rejection(ack)) : undefined;
    await this.recordBatch(facts, startedAt, started, failure, reservation);
    if (failure === undefined) {
      this.totals.points += ack.upserted;
      this.totals.bytes += pending.bytes;
    }
    this.call.write(ack);
    return undefined;
  }

  private recordBatch(
    facts: OperationFacts,
    startedAt: Date,
    started: number,
    failure: GrpcStatus | undefined,
    reservation?: EventReservation,
  ) {
    const durationMs = performance.now() - started;
    return this.deps.recorder.record(
      Operation.Upsert,
      this.caller,
      facts,
      startedAt,
      durationMs,
      failure,
      reservation,
    );
  }

  // Empty tenant_id/table repeat the stream's previous ones; the first batch sets them.
  private resolveRef(request: pb.UpsertRequest, facts: OperationFacts): CollectionRef {
    const previous = this.ref;
    const tenantId =
      request.tenantId === '' && previous !== undefined
        ? previous.tenantId
        : ApiKeys.tenantFor(this.caller.principal, request.tenantId);
    facts.tenantId = tenantId;
    const table = request.table === '' && previous !== undefined ? previous.table : request.table;
    const ref = this.collections.naming.ref(tenantId, table);
    Object.assign(facts, { table: ref.table, collection: ref.name });
    this.ref = ref;
    this.facts = { ...this.facts, tenantId, table: ref.table, collection: ref.name };
    return ref;
  }

  private finish(failure: GrpcStatus | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.stopWaiting?.();
    for (const pending of this.queue.splice(0)) this.limits.budget.release(pending.budgetBytes);
    if (this.openRecorded)
      this.record(Operation.StreamClosed, performance.now() - this.opened, failure);
    if (failure === undefined) this.call.end();
    else if (failure !== CANCELLED) this.call.emit('error', failure);
  }

  private record(operation: Operation, durationMs: number, failure: GrpcStatus | undefined): void {
    const facts = { ...this.facts, points: this.totals.points, bytes: this.totals.bytes };
    const startedAt = operation === Operation.StreamOpened ? new Date() : this.openedAt;
    this.deps.recorder
      .record(operation, this.caller, facts, startedAt, durationMs, failure)
      .catch((err: unknown) =>
        this.deps.logger.error('stream event not queued', { streamId: this.id, err }),
      );
  }
}

function rejection(ack: pb.UpsertAck): VectorAdminError {
  const first = ack.errors[0];
  return new VectorAdminError(
    'invalid_argument',
    `batch rejected: ${first?.field}: ${first?.message}`,
  );
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
