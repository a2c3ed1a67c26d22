import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import { VectorAdminError, type ErrorCode } from '../domain/index.js';
import { encodeStatusDetails, STATUS_DETAILS_TRAILER } from '../wire/rpc-status.js';

/** The one table from domain error codes to gRPC status codes. */
const STATUS_BY_CODE: Record<ErrorCode, status> = {
  invalid_argument: status.INVALID_ARGUMENT,
  not_found: status.NOT_FOUND,
  already_exists: status.ALREADY_EXISTS,
  failed_precondition: status.FAILED_PRECONDITION,
  permission_denied: status.PERMISSION_DENIED,
  unauthenticated: status.UNAUTHENTICATED,
  resource_exhausted: status.RESOURCE_EXHAUSTED,
  unavailable: status.UNAVAILABLE,
  deadline_exceeded: status.DEADLINE_EXCEEDED,
  internal: status.INTERNAL,
};

/** A gRPC status to end a call with; `exposed` is false when the message was replaced. */
export interface GrpcStatus extends Partial<ServiceError> {
  readonly code: status;
  readonly details: string;
  readonly metadata: Metadata;
  readonly exposed: boolean;
}

/**
 * Maps any thrown value to the status a client sees. Unknown errors become INTERNAL with a
 * generic message: the caller logs the cause, the client never sees it.
 */
export function toGrpcStatus(err: unknown): GrpcStatus {
  const metadata = new Metadata();
  if (!(err instanceof VectorAdminError) || err.code === 'internal') {
    return { code: status.INTERNAL, details: 'internal error', metadata, exposed: false };
  }
  const code = STATUS_BY_CODE[err.code];
  // Field problems and the retry hint travel twice: as google.rpc status details, which keep
  // each field apart in every language, and as plain `field-violation` (`field: message`) and
  // `retry-after-ms` trailers for tools that show raw trailers (grpcurl -v). Node's HTTP/2
  // joins repeated trailers with ", ", so Node clients should read the details.
  for (const violation of err.violations)
    metadata.add('field-violation', printableAscii(`${violation.field}: ${violation.message}`));
  if (err.retryAfterMs !== undefined) metadata.set('retry-after-ms', String(err.retryAfterMs));
  if (err.violations.length > 0 || err.retryAfterMs !== undefined) {
    const details = {
      fieldViolations: err.violations,
      ...(err.retryAfterMs === undefined ? {} : { retryAfterMs: err.retryAfterMs }),
    };
    metadata.set(STATUS_DETAILS_TRAILER, encodeStatusDetails(code, err.message, details));
  }
  return { code, details: err.message, metadata, exposed: true };
}

// grpc-js throws on metadata values outside printable ASCII, which turned the reply into
// INTERNAL; fields can carry a client's payload keys, so escape such characters as \uXXXX.
function printableAscii(text: string): string {
  return text.replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The gRPC code name (e.g. INVALID_ARGUMENT) used in events and logs. */
export function statusName(code: status): string {
  return status[code] ?? 'UNKNOWN';
}
