import { Code, ConnectError } from '@connectrpc/connect';
import { VectorAdminError } from '../domain/errors.js';
import { fromQdrantFailure, retryAfterMsFromHeader } from './qdrant-errors.js';
import type { QdrantCallContext } from './qdrant-errors.js';

/**
 * The HTTP status Qdrant's REST API answers for the failure it reports over gRPC with each
 * code (both come from one StorageError in Qdrant), so both adapters share one mapping.
 * A cancelled call is a dropped connection or stream: the server went away.
 */
const REST_STATUS: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.OutOfRange]: 400,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.DeadlineExceeded]: 408,
  [Code.ResourceExhausted]: 429,
  [Code.Canceled]: 503,
  [Code.Unavailable]: 503,
};

/** `deadline_exceeded` for Code.DeadlineExceeded: gRPC's own spelling of a code. */
function codeName(code: Code): string {
  return (Code[code] ?? String(code)).replace(/[A-Z]/g, (c, i: number) =>
    i === 0 ? c.toLowerCase() : `_${c.toLowerCase()}`,
  );
}

/**
 * The failure Qdrant reported. The client turns a RESOURCE_EXHAUSTED with Retry-After into
 * its own QdrantClientResourceExhaustedError inside an interceptor, which connect then wraps
 * as UNKNOWN: the client's error (its `retry_after`, from the header's first character only,
 * as in the REST client) is the one that counts.
 */
function qdrantFailure(err: ConnectError): QdrantGrpcFailure {
  const cause: unknown = err.cause;
  // Recognised by shape: the subclass renames itself, so ConnectError's instanceof refuses it.
  if (
    err.code === Code.Unknown &&
    cause instanceof Error &&
    typeof (cause as Error & { code?: unknown }).code === 'number'
  ) {
    const { code, rawMessage, retry_after } = cause as Error & Partial<QdrantGrpcFailure>;
    return {
      code: code!,
      rawMessage: rawMessage ?? cause.message,
      metadata: new Headers(),
      retry_after,
    };
  }
  return err;
}

interface QdrantGrpcFailure {
  readonly code: Code;
  readonly rawMessage: string;
  readonly metadata: Headers;
  readonly retry_after?: unknown;
}

/** Maps anything the Qdrant gRPC client throws to a VectorAdminError, as the REST adapter does. */
export function toVectorAdminErrorFromGrpc(err: unknown, ctx: QdrantCallContext): VectorAdminError {
  if (err instanceof VectorAdminError) return err;
  const failure = qdrantFailure(ConnectError.from(err));
  const retryAfterMs =
    retryAfterMsFromHeader(failure.metadata) ??
    (typeof failure.retry_after === 'number' ? Math.round(failure.retry_after * 1000) : undefined);
  return fromQdrantFailure(
    {
      status: REST_STATUS[failure.code] ?? 500,
      label: `gRPC ${codeName(failure.code)}`,
      ...(failure.rawMessage === '' ? {} : { detail: failure.rawMessage }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      cause: err,
    },
    ctx,
  );
}
