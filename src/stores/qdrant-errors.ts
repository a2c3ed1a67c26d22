import {
  QdrantClientResourceExhaustedError,
  QdrantClientTimeoutError,
  QdrantClientUnexpectedResponseError,
} from '@qdrant/js-client-rest';
import { ErrorCode, VectorAdminError } from '../domain/errors.js';

/** What a failed call was doing, for the error message. */
export interface QdrantCallContext {
  readonly operation: string;
  readonly collection?: string;
}

/**
 * The shape of `ApiError` from @qdrant/openapi-typescript-fetch, which the REST client throws
 * for every non-2xx answer but does not re-export: recognised by shape, not by class.
 */
interface HttpFailure extends Error {
  readonly status: number;
  readonly data: unknown;
  readonly headers: Headers;
}

function isHttpFailure(err: unknown): err is HttpFailure {
  return (
    err instanceof Error &&
    typeof (err as Partial<HttpFailure>).status === 'number' &&
    'data' in err &&
    (err as Partial<HttpFailure>).headers instanceof Headers
  );
}

// Socket-level failures (node:net and undici codes): the server was not reached or went away.
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

function errorCodeOf(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const code = (value as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/** True for fetch's `TypeError('fetch failed')` and raw socket errors, judged by their codes. */
function isNetworkFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = errorCodeOf(err) ?? errorCodeOf(err.cause);
  const nested = err.cause instanceof Error ? errorCodeOf(err.cause.cause) : undefined;
  return (
    (code !== undefined && NETWORK_CODES.has(code)) ||
    (nested !== undefined && NETWORK_CODES.has(nested))
  );
}

/** Qdrant's `ErrorResponse.status.error`: Qdrant's own words about a bad request. */
function qdrantErrorText(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const status = (data as { status?: unknown }).status;
  if (typeof status !== 'object' || status === null) return undefined;
  const error = (status as { error?: unknown }).error;
  return typeof error === 'string' ? error : undefined;
}

/** Retry-After in seconds (Qdrant sends no HTTP dates), as milliseconds. */
export function retryAfterMsFromHeader(headers: Headers): number | undefined {
  const seconds = Number(headers.get('retry-after') ?? Number.NaN);
  return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
}

function subject(ctx: QdrantCallContext): string {
  return ctx.collection === undefined
    ? ctx.operation
    : `${ctx.operation} on collection "${ctx.collection}"`;
}

/** What a failed Qdrant answer said, whichever transport carried it. */
export interface QdrantFailure {
  /** The HTTP status, or for gRPC the status Qdrant's REST API gives the same failure. */
  readonly status: number;
  /** How the failure is named in messages: `503`, or a gRPC code name. */
  readonly label: string;
  /** Qdrant's own words about bad input. */
  readonly detail?: string;
  readonly retryAfterMs?: number;
  readonly cause: unknown;
}

/**
 * The one mapping of Qdrant failures to domain codes, used by the REST and the gRPC adapter:
 * a gRPC failure arrives here as the HTTP status Qdrant's REST API answers for it.
 */
export function fromQdrantFailure(
  failure: QdrantFailure,
  ctx: QdrantCallContext,
): VectorAdminError {
  const what = subject(ctx);
  const { cause, retryAfterMs } = failure;
  const retry = retryAfterMs === undefined ? {} : { retryAfterMs };
  if (failure.status === 400) {
    const message = `${what}: ${failure.detail ?? 'rejected by Qdrant'}`;
    return new VectorAdminError(ErrorCode.InvalidArgument, message, { cause });
  }
  const known = STATUS_ERRORS.get(failure.status);
  if (known !== undefined) {
    const [code, text, retryable] = known;
    return new VectorAdminError(code, `${what}: ${text}`, { cause, ...(retryable ? retry : {}) });
  }
  if (UNAVAILABLE_STATUSES.has(failure.status)) {
    const message = `${what}: Qdrant is unavailable (${failure.label})`;
    return new VectorAdminError(ErrorCode.Unavailable, message, { cause, ...retry });
  }
  const message = `${what}: Qdrant failed (${failure.label})`;
  return new VectorAdminError(ErrorCode.Internal, message, { cause });
}

/** Qdrant's HTTP statuses with a fixed meaning: the domain code, our words, whether to pass on Retry-After. */
const STATUS_ERRORS = new Map<number, readonly [ErrorCode, string, boolean]>([
  // Qdrant's service.max_request_size_mb (32 by default) refused the body.
  [413, [ErrorCode.InvalidArgument, 'request too large for Qdrant', false]],
  [401, [ErrorCode.Unauthenticated, 'Qdrant refused the API key', false]],
  [403, [ErrorCode.PermissionDenied, 'not permitted by Qdrant', false]],
  [404, [ErrorCode.NotFound, 'collection not found', false]],
  [409, [ErrorCode.AlreadyExists, 'collection already exists', false]],
  [507, [ErrorCode.ResourceExhausted, 'Qdrant is out of storage', false]],
  [429, [ErrorCode.ResourceExhausted, 'Qdrant is rate limiting', true]],
]);

/** 408 is Qdrant's own operation timeout; 503 is also its "shard unavailable". */
const UNAVAILABLE_STATUSES = new Set([408, 502, 503, 504]);

function fromHttpFailure(err: HttpFailure, ctx: QdrantCallContext): VectorAdminError {
  const detail = qdrantErrorText(err.data);
  const retryAfterMs = retryAfterMsFromHeader(err.headers);
  return fromQdrantFailure(
    {
      status: err.status,
      label: String(err.status),
      ...(detail === undefined ? {} : { detail }),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      cause: err,
    },
    ctx,
  );
}

/**
 * Maps anything the Qdrant REST client throws to a VectorAdminError. Messages carry our own
 * words plus, for 400s, Qdrant's description of the bad input; the raw error is the cause.
 */
export function toVectorAdminError(err: unknown, ctx: QdrantCallContext): VectorAdminError {
  if (err instanceof VectorAdminError) return err;
  const what = subject(ctx);
  if (err instanceof QdrantClientResourceExhaustedError) {
    // js-client-rest 1.18 builds retry_after from the first character of Retry-After
    // (`headers.get(...)?.[0]`), so a value of 10 s or more arrives truncated; we pass on what it gives.
    return new VectorAdminError(ErrorCode.ResourceExhausted, `${what}: Qdrant is rate limiting`, {
      cause: err,
      retryAfterMs: Math.round(err.retry_after * 1000),
    });
  }
  if (err instanceof QdrantClientTimeoutError) {
    // A write that timed out may still be applied: callers retry, and upsert/delete are idempotent.
    return new VectorAdminError(ErrorCode.Unavailable, `${what}: Qdrant did not answer in time`, {
      cause: err,
    });
  }
  if (isHttpFailure(err)) return fromHttpFailure(err, ctx);
  if (isNetworkFailure(err)) {
    return new VectorAdminError(ErrorCode.Unavailable, `${what}: Qdrant is unreachable`, {
      cause: err,
    });
  }
  if (err instanceof QdrantClientUnexpectedResponseError) {
    return new VectorAdminError(ErrorCode.Internal, `${what}: unexpected answer from Qdrant`, {
      cause: err,
    });
  }
  return new VectorAdminError(ErrorCode.Internal, `${what}: Qdrant call failed`, { cause: err });
}
