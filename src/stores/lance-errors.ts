import { ErrorCode, VectorAdminError } from '../domain/errors.js';
import { FULL_DISK_RETRY_AFTER_MS } from './embedded-free-space.js';

const UNAVAILABLE_ERRNO = new Set([
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EROFS',
  'EDQUOT',
  'EIO',
  'EMFILE',
]);
// LanceDB (Rust) reports OS errors only in its message text, e.g. "Permission denied (os error 13)".
const UNAVAILABLE_TEXT =
  /permission denied|no space left|read-only file system|quota exceeded|too many open files|os error (1|5|13|24|28|30|122)\b/i;

/** LanceDB's message when a concurrent commit preempted ours. */
export const COMMIT_CONFLICT = /commit conflict|preempted by concurrent/i;

/**
 * Translates a failure of LanceDB or the file system to a VectorAdminError: storage that
 * refuses access or space is unavailable, anything unexpected internal. Ours pass through.
 */
export function toStoreError(err: unknown, action: string): VectorAdminError {
  if (err instanceof VectorAdminError) return err;
  const errno = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (
    (typeof errno === 'string' && UNAVAILABLE_ERRNO.has(errno)) ||
    UNAVAILABLE_TEXT.test(message)
  ) {
    return new VectorAdminError(
      ErrorCode.Unavailable,
      `embedded store cannot ${action}: storage unavailable`,
      // Space or access may come back (issue 17): clients get RetryInfo and retry.
      { cause: err, retryAfterMs: FULL_DISK_RETRY_AFTER_MS },
    );
  }
  return new VectorAdminError(ErrorCode.Internal, `embedded store failed to ${action}`, {
    cause: err,
  });
}

/** The not_found error for a missing collection. */
export function collectionNotFound(name: string, cause?: unknown): VectorAdminError {
  return new VectorAdminError(ErrorCode.NotFound, `collection "${name}" does not exist`, { cause });
}

/** The already_exists error for a collection. */
export function alreadyExists(name: string, cause?: unknown): VectorAdminError {
  return new VectorAdminError(ErrorCode.AlreadyExists, `collection "${name}" already exists`, {
    cause,
  });
}
