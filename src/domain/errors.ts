/** The closed set of failure kinds; `toGrpcStatus` in api/ maps each to one gRPC code. */
export const ErrorCode = {
  InvalidArgument: 'invalid_argument',
  NotFound: 'not_found',
  AlreadyExists: 'already_exists',
  FailedPrecondition: 'failed_precondition',
  PermissionDenied: 'permission_denied',
  Unauthenticated: 'unauthenticated',
  ResourceExhausted: 'resource_exhausted',
  Unavailable: 'unavailable',
  DeadlineExceeded: 'deadline_exceeded',
  Internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** One field problem: `field` names the request path, e.g. `points[3].vector`. */
export interface FieldViolation {
  readonly field: string;
  readonly message: string;
}

export interface VectorAdminErrorOptions {
  readonly cause?: unknown;
  /** For invalid_argument: every offending field. */
  readonly violations?: readonly FieldViolation[];
  /** For resource_exhausted/unavailable: when a retry may succeed. */
  readonly retryAfterMs?: number;
}

/** The only error type the domain and adapters throw; its message is safe to show clients. */
export class VectorAdminError extends Error {
  override readonly name = 'VectorAdminError';
  readonly code: ErrorCode;
  readonly violations: readonly FieldViolation[];
  readonly retryAfterMs: number | undefined;

  constructor(code: ErrorCode, message: string, options: VectorAdminErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.code = code;
    this.violations = options.violations ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }

  /** An invalid_argument error naming the field. */
  static invalidField(field: string, message: string): VectorAdminError {
    return new VectorAdminError(ErrorCode.InvalidArgument, `${field}: ${message}`, {
      violations: [{ field, message }],
    });
  }
}

/** True when `err` is a VectorAdminError with the given code. */
export function hasErrorCode(err: unknown, code: ErrorCode): err is VectorAdminError {
  return err instanceof VectorAdminError && err.code === code;
}
