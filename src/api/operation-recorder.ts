import { randomUUID } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import {
  Operation,
  VectorAdminError,
  type ApiKeys,
  type EventBus,
  type EventReservation,
  type Logger,
  type OperationEvent,
  type Principal,
} from '../domain/index.js';
import { statusName, toGrpcStatus, type GrpcStatus } from './errors.js';

/** What an operation reports about itself for its event. */
export interface OperationFacts {
  tenantId: string;
  table: string;
  collection: string;
  points?: number;
  pointsRequested?: number;
  bytes?: number;
  vectorSize?: number;
  streamId?: string;
  seq?: string;
}

/** The caller's identity and trace context, read once from a call's metadata. */
export interface Caller {
  readonly principal: Principal;
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const WRITES: ReadonlySet<Operation> = new Set([
  Operation.CreateCollection,
  Operation.EnsureCollection,
  Operation.DeleteCollection,
  Operation.Upsert,
  Operation.DeletePoints,
]);

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Authenticates a call and reads its W3C trace context. Throws unauthenticated. */
export function callerFrom(metadata: Metadata, keys: ApiKeys): Caller {
  const auth = metadata.get('authorization')[0];
  const header = typeof auth === 'string' ? auth : undefined;
  const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  const principal = keys.authenticate(header === undefined ? undefined : (bearer ?? ''));
  const traceparent = metadata.get('traceparent')[0];
  const tracestate = metadata.get('tracestate')[0];
  return {
    principal,
    ...(typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? { traceparent } : {}),
    ...(typeof tracestate === 'string' && tracestate.length <= 512 ? { tracestate } : {}),
  };
}

/** Shared tables are set up by the operator: the admin key, or anyone in dev mode (issue 17). */
export function mayConfigureShared(caller: Caller): boolean {
  return caller.principal.kind !== 'tenant';
}

/** The tenant events go under when the request's own tenant was not (yet) authorized. */
export function fallbackTenant(caller: Caller | undefined): string {
  return caller?.principal.kind === 'tenant' ? caller.principal.tenantId : '_';
}

/**
 * Times operations, maps their failures to statuses, logs what clients must not see, and
 * publishes one event per operation.
 */
export class OperationRecorder {
  constructor(
    private readonly events: EventBus,
    private readonly logger: Logger,
    private readonly instanceId: string,
  ) {}

  /**
   * Announces this service process (tenant and table `_`), so consumers can close the streams
   * of instances before it: a killed process never sends their stream_closed.
   */
  async serviceStarted(): Promise<void> {
    const event: OperationEvent = {
      id: randomUUID(),
      operation: Operation.ServiceStarted,
      instanceId: this.instanceId,
      tenantId: '',
      table: '',
      collection: '',
      outcome: 'ok',
      grpcCode: statusName(status.OK),
      startedAt: new Date(),
      durationMs: 0,
    };
    await this.events.publish(event);
  }

  /** Runs `work` as one operation; resolves to its result or the status to end the call with. */
  async run<T>(
    operation: Operation,
    caller: Caller | undefined,
    facts: OperationFacts,
    work: () => Promise<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; status: GrpcStatus }> {
    const startedAt = new Date();
    const started = performance.now();
    let outcome: { ok: true; value: T } | { ok: false; status: GrpcStatus };
    let reservation: EventReservation | undefined;
    try {
      if (WRITES.has(operation)) reservation = this.admitWrite();
      outcome = { ok: true, value: await work() };
    } catch (err) {
      outcome = { ok: false, status: this.fail(operation, err) };
    }
    const failure = outcome.ok ? undefined : outcome.status;
    try {
      const durationMs = performance.now() - started;
      await this.record(operation, caller, facts, startedAt, durationMs, failure, reservation);
    } catch (err) {
      // A write's event could not be queued: the client must not take the write as done. A
      // read, or a call that failed anyway, is answered as it ended: reads keep working while
      // the outbox cannot take events (issue 17: a full disk), and the loss is logged.
      if (WRITES.has(operation) && outcome.ok)
        return { ok: false, status: this.fail(operation, err) };
      this.logger.warn('operation event dropped', { operation, err });
    }
    return outcome;
  }

  /**
   * Admits a write by reserving room for its event, or refuses it while the event outbox is
   * full: an operation without its event would be lost to every subscriber. The reservation
   * goes to `record`, so concurrent writes at the bound cannot run and then find no room.
   */
  admitWrite(): EventReservation {
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

  /** Publishes the event of an operation timed elsewhere (a stream batch, a stream's end). */
  async record(
    operation: Operation,
    caller: Caller | undefined,
    facts: OperationFacts,
    startedAt: Date,
    durationMs: number,
    failure: GrpcStatus | undefined,
    reservation?: EventReservation,
  ): Promise<void> {
    // Unauthenticated calls have no tenant to file an event under; they are logged instead.
    if (caller === undefined) {
      reservation?.release();
      return;
    }
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
      ...(caller.traceparent === undefined ? {} : { traceparent: caller.traceparent }),
      ...(caller.tracestate === undefined ? {} : { tracestate: caller.tracestate }),
    };
    await (reservation ?? this.events).publish(event);
  }

  /** The status for a failure, logging causes that clients do not see. */
  fail(operation: Operation, err: unknown): GrpcStatus {
    const grpcStatus = toGrpcStatus(err);
    if (!grpcStatus.exposed) this.logger.error('operation failed', { operation, err });
    else if (grpcStatus.code === status.UNAVAILABLE)
      this.logger.warn('operation unavailable', { operation, err });
    return grpcStatus;
  }
}

/** Tenant and table facts for a request, before or after authorization. */
export function requestFacts(tenantId: string, table: string, collection = ''): OperationFacts {
  return { tenantId, table, collection };
}
