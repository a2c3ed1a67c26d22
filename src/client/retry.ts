import { status, type ServiceError } from '@grpc/grpc-js';

/** Exponential backoff with full jitter. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 12,
  initialDelayMs: 100,
  maxDelayMs: 5_000,
};

/**
 * True for failures a later attempt may not meet: the server or store was unreachable, or busy
 * and said when to come back. RESOURCE_EXHAUSTED without `retry-after-ms` is a message over a
 * size limit, which no retry fixes.
 */
export function isRetryable(err: unknown): boolean {
  const failure = err as Partial<ServiceError> | undefined;
  if (failure?.code === status.UNAVAILABLE) return true;
  const hinted = (failure?.metadata?.get('retry-after-ms').length ?? 0) > 0;
  return failure?.code === status.RESOURCE_EXHAUSTED && hinted;
}

/** The delay before attempt `attempt` (1-based), honouring a server's retry-after-ms. */
export function backoffMs(policy: RetryPolicy, attempt: number, err?: unknown): number {
  const hinted = Number(
    (err as Partial<ServiceError> | undefined)?.metadata?.get('retry-after-ms')[0],
  );
  const cap = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attempt - 1));
  const jittered = Math.random() * cap;
  return Number.isFinite(hinted) && hinted > 0 ? Math.max(hinted, jittered) : jittered;
}

/** Resolves after `ms`, or rejects when `signal` aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
