import type { OperationEventData } from '../events/index.js';

// The caller's mistakes: the service did its job by refusing them (issue 13, item 8), so they
// count as errors but never as the service's own failures. CANCELLED is the caller hanging up.
const CLIENT_CODES: ReadonlySet<string> = new Set([
  'INVALID_ARGUMENT',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'FAILED_PRECONDITION',
  'PERMISSION_DENIED',
  'UNAUTHENTICATED',
  'OUT_OF_RANGE',
  'CANCELLED',
  'UNIMPLEMENTED',
]);

const AUTH_CODES: ReadonlySet<string> = new Set(['UNAUTHENTICATED', 'PERMISSION_DENIED']);

/** How a failed operation counts: the caller's error, the service's, and whether auth refused it. */
export interface ErrorClass {
  readonly error: boolean;
  /** UNAVAILABLE, INTERNAL, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED, UNKNOWN and the like. */
  readonly serverError: boolean;
  readonly authFailure: boolean;
}

/**
 * A stream that ends DEADLINE_EXCEEDED was ended for the caller's silence: the service's idle
 * timeout or the caller's own deadline. The stream's batches carry any failure of the service's.
 */
function isCallerDeadline(data: Pick<OperationEventData, 'operation' | 'grpc_code'>): boolean {
  return data.operation === 'stream_closed' && data.grpc_code === 'DEADLINE_EXCEEDED';
}

/** Classifies an event's outcome by its gRPC code. */
export function classifyError(
  data: Pick<OperationEventData, 'outcome' | 'grpc_code' | 'operation'>,
): ErrorClass {
  const error = data.outcome === 'error';
  return {
    error,
    serverError: error && !CLIENT_CODES.has(data.grpc_code) && !isCallerDeadline(data),
    authFailure: error && AUTH_CODES.has(data.grpc_code),
  };
}
