import { randomUUID } from 'node:crypto';
import {
  status,
  type handleUnaryCall,
  type Metadata,
  type sendUnaryData,
  type ServerUnaryCall,
} from '@grpc/grpc-js';
import {
  Operation,
  VectorAdminError,
  type ApiKeys,
  type EventBus,
  type EventReservation,
  type Logger,
  type OperationEvent,
} from '../domain/index.js';
import { callerFrom, ownTenant, type Caller } from './caller.js';
import { statusName, toGrpcStatus, type GrpcStatus } from './errors.js';
import { checkMetadataSize } from './metadata-limit.js';
import { RefusalTally, type RefusalCount } from './refusal-tally.js';
import { undecodableRequest } from './request-decoding.js';
import { FIXED_SETTINGS } from '../config/index.js';

/** What an operation's event says about it besides its outcome and timing. */
export interface EventFacts {
  readonly tenantId: string;
  readonly table: string;
  readonly collection: string;
  readonly points?: number;
  readonly pointsRequested?: number;
  readonly bytes?: number;
  readonly vectorSize?: number;
  readonly streamId?: string;
  readonly seq?: string;
  /** How many calls the event stands for, when more than one (aggregated refusals). */
  readonly calls?: number;
}

/** The facts a stage adds to the event; the pipeline merges what each stage returns. */
export type MoreFacts = Partial<EventFacts>;

/** What an operation acts on once authorized: a tenant, and usually one of its tables. */
export interface Target {
  readonly tenantId: string;
  readonly table?: string;
  /** The physical collection the table maps to. */
  readonly name?: string;
}

/** What the work of an operation returns. */
export interface Done<Res> {
  readonly reply: Res;
  readonly facts?: MoreFacts;
  /** Set when the reply refuses the request (a stream batch's ack with errors). */
  readonly rejection?: VectorAdminError;
}

/**
 * One operation, as the `next` of the pipeline: how a request is authorized into its target,
 * what the request says about itself (reported whether or not it succeeds), and its work.
 */
export interface OperationSpec<Req, T extends Target, Res> {
  readonly operation: Operation;
  readonly authorize: (caller: Caller, request: Req) => T;
  readonly describe?: (request: Req) => MoreFacts;
  readonly run: (target: T, request: Req) => Promise<Done<Res>>;
  /**
   * A unary call answers with the reply even when it refuses the request: a failed probe run
   * is its result, while its event still records the failure.
   */
  readonly answersRejection?: boolean;
}

/** How an operation ended: the reply (also for a refusing stream ack) and/or the failure. */
export interface Outcome<Res> {
  readonly reply?: Res;
  readonly failure?: GrpcStatus;
  /** What was thrown, when the operation threw. */
  readonly error?: unknown;
  readonly facts: EventFacts;
}

/** A wrapped operation: what a unary call and every stream batch invoke. */
export type OperationHandler<Req, Res> = (
  caller: Caller,
  request: Req,
  context?: MoreFacts,
) => Promise<Outcome<Res>>;

const WRITES: ReadonlySet<Operation> = new Set([
  Operation.CreateCollection,
  Operation.EnsureCollection,
  Operation.DeleteCollection,
  Operation.ProvisionTenant,
  Operation.DeprovisionTenant,
  Operation.Upsert,
  Operation.DeletePoints,
]);

/**
 * The one path of every call at the edge, unary or a stream batch: authenticate once,
 * authorize into a validated target, admit, run, map every failure through `toGrpcStatus`
 * (logging what clients do not see), and publish one event built from what the stages
 * returned. Shaped like an interceptor: `wrap(next)` is the handler.
 */
export class OperationPipeline {
  private readonly refusals: RefusalTally;

  constructor(
    private readonly keys: ApiKeys,
    private readonly events: EventBus,
    readonly logger: Logger,
    private readonly instanceId: string,
  ) {
    this.refusals = new RefusalTally({
      ...FIXED_SETTINGS.refusals,
      events: () => events.state(),
      publish: (count) => this.publishRefusal(count),
      logger,
    });
  }

  /**
   * The caller of a call, or the status it was refused with (metadata over its size limit, a
   * missing or unknown key). A refusal is evented under no tenant, so alerts can count bad keys
   * without a key naming anyone, and in aggregate (refusal-tally.ts), so bad keys cannot fill
   * the outbox.
   */
  async authenticate(
    operation: Operation,
    metadata: Metadata,
    peer: string,
  ): Promise<Caller | GrpcStatus> {
    const startedAt = new Date();
    const started = performance.now();
    try {
      checkMetadataSize(metadata);
      return callerFrom(metadata, this.keys);
    } catch (err) {
      this.logger.warn('call refused', { operation, peer, err });
      const failure = toGrpcStatus(err);
      const durationMs = performance.now() - started;
      await this.refusals
        .count({ operation, failure, startedAt, durationMs })
        .catch((publishErr: unknown) => this.dropped(operation, publishErr));
      return failure;
    }
  }

  /** The handler for `spec`: authorize, admit, run, map and record. */
  wrap<Req, T extends Target, Res>(spec: OperationSpec<Req, T, Res>): OperationHandler<Req, Res> {
    return async (caller, request, context = {}) => {
      const startedAt = new Date();
      const started = performance.now();
      let facts: EventFacts = {
        tenantId: ownTenant(caller),
        table: '',
        collection: '',
        ...context,
      };
      let outcome: Omit<Outcome<Res>, 'facts'>;
      let reservation: EventReservation | undefined;
      try {
        const undecodable = undecodableRequest(request);
        if (undecodable !== undefined) throw undecodable;
        facts = { ...facts, ...spec.describe?.(request) };
        if (WRITES.has(spec.operation)) reservation = this.admitWrite();
        const target = spec.authorize(caller, request);
        facts = { ...facts, ...targetFacts(target) };
        const done = await spec.run(target, request);
        facts = { ...facts, ...done.facts };
        outcome =
          done.rejection === undefined
            ? { reply: done.reply }
            : { reply: done.reply, failure: this.fail(spec.operation, done.rejection) };
      } catch (err) {
        outcome = { failure: this.fail(spec.operation, err), error: err };
      }
      try {
        const durationMs = performance.now() - started;
        const event = { startedAt, durationMs, failure: outcome.failure };
        await this.publish(
          spec.operation,
          caller,
          facts,
          event.startedAt,
          durationMs,
          event.failure,
          reservation,
        );
      } catch (err) {
        // A write's event could not be queued: the client must not take the write as done. A
        // read, or a call that failed anyway, is answered as it ended: reads keep working while
        // the outbox cannot take events (a full disk), and the loss is logged.
        if (WRITES.has(spec.operation) && outcome.failure === undefined)
          return { failure: this.fail(spec.operation, err), error: err, facts };
        this.dropped(spec.operation, err);
      }
      return { ...outcome, facts };
    };
  }

  /** A grpc-js unary handler: authenticate, then the wrapped operation. */
  unary<Req, T extends Target, Res>(spec: OperationSpec<Req, T, Res>): handleUnaryCall<Req, Res> {
    const handler = this.wrap(spec);
    const answer = async (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => {
      const caller = await this.authenticate(spec.operation, call.metadata, call.getPeer());
      if (!isCaller(caller)) return callback(caller);
      const outcome = await handler(caller, call.request);
      const answered = spec.answersRejection === true && outcome.reply !== undefined;
      if (outcome.failure !== undefined && !answered) callback(outcome.failure);
      else callback(null, outcome.reply);
    };
    return (call, callback) => {
      answer(call, callback).catch((err: unknown) => callback(this.fail(spec.operation, err)));
    };
  }

  /** Publishes the event of something that is not a call of its own (a stream's open, close). */
  async record(
    operation: Operation,
    caller: Caller,
    facts: EventFacts,
    startedAt: Date,
    durationMs: number,
    failure: GrpcStatus | undefined,
  ): Promise<void> {
    await this.publish(operation, caller, facts, startedAt, durationMs, failure);
  }

  /**
   * Announces this service process (no tenant, no table), so consumers can close the streams
   * of instances before it: a killed process never sends their stream_closed.
   */
  async serviceStarted(): Promise<void> {
    const facts = { tenantId: '', table: '', collection: '' };
    await this.publish(Operation.ServiceStarted, undefined, facts, new Date(), 0, undefined);
  }

  /** Events the refusals still counted; the server calls it once it has stopped taking calls. */
  close(): Promise<void> {
    return this.refusals.close();
  }

  /** The status for a failure, logging the causes clients do not see. */
  fail(operation: Operation, err: unknown): GrpcStatus {
    const grpcStatus = toGrpcStatus(err);
    if (!grpcStatus.exposed) this.logger.error('operation failed', { operation, err });
    else if (grpcStatus.code === status.UNAVAILABLE)
      this.logger.warn('operation unavailable', { operation, err });
    return grpcStatus;
  }

  /**
   * Admits a write by reserving room for its event, or refuses it while the event outbox is
   * full: an operation without its event would be lost to every subscriber. The reservation
   * goes to `publish`, so concurrent writes at the bound cannot run and then find no room.
   */
  private admitWrite(): EventReservation {
    try {
      return this.events.reserve();
    } catch (err) {
      throw new VectorAdminError(
        'unavailable',
        'event outbox is full: writes are refused until events are delivered',
        { cause: err, retryAfterMs: 1000 },
      );
    }
  }

  private publishRefusal(count: RefusalCount): Promise<void> {
    const facts = { tenantId: '', table: '', collection: '', calls: count.calls };
    const { operation, startedAt, durationMs, failure } = count;
    return this.publish(operation, undefined, facts, startedAt, durationMs, failure);
  }

  private async publish(
    operation: Operation,
    caller: Caller | undefined,
    facts: EventFacts,
    startedAt: Date,
    durationMs: number,
    failure: GrpcStatus | undefined,
    reservation?: EventReservation,
  ): Promise<void> {
    const event: OperationEvent = {
      id: randomUUID(),
      operation,
      instanceId: this.instanceId,
      ...facts,
      outcome: failure === undefined ? 'ok' : 'error',
      grpcCode: statusName(failure?.code ?? status.OK),
      startedAt,
      durationMs,
      ...(failure === undefined ? {} : { errorMessage: failure.details }),
      ...(caller?.traceparent === undefined ? {} : { traceparent: caller.traceparent }),
      ...(caller?.tracestate === undefined ? {} : { tracestate: caller.tracestate }),
    };
    await (reservation ?? this.events).publish(event);
  }

  private dropped(operation: Operation, err: unknown): void {
    this.logger.warn('operation event dropped', { operation, err });
  }
}

/** True for an authenticated caller, false for the status a call was refused with. */
export function isCaller(value: Caller | GrpcStatus): value is Caller {
  return 'principal' in value;
}

function targetFacts(target: Target): MoreFacts {
  return {
    tenantId: target.tenantId,
    ...(target.table === undefined ? {} : { table: target.table }),
    ...(target.name === undefined ? {} : { collection: target.name }),
  };
}
