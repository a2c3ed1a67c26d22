import { setTimeout as sleep } from 'node:timers/promises';

/** Options of `waitFor`: how long, and what we were waiting for (named in the timeout error). */
export interface WaitForOptions {
  readonly timeoutMs: number;
  /** What the wait is for, e.g. "nats-server ports file"; the error on timeout names it. */
  readonly reason: string;
  /** Poll interval; 10 ms by default. */
  readonly intervalMs?: number;
  /** What the timeout error should also show, e.g. the state that never became right. */
  readonly detail?: () => unknown;
}

/** Thrown when `waitFor` gives up; carries the reason and the predicate's last error. */
export class WaitForTimeout extends Error {
  override readonly name = 'WaitForTimeout';
}

/**
 * Polls `predicate` until it returns a value other than undefined/false (and resolves to it)
 * or `timeoutMs` passes. A predicate that throws counts as "not yet"; its last error becomes
 * the timeout's cause.
 */
export async function waitFor<T>(
  predicate: () => T | undefined | false | Promise<T | undefined | false>,
  options: WaitForOptions,
): Promise<T> {
  const deadline = performance.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value !== undefined && value !== false) return value;
    } catch (err) {
      lastError = err;
    }
    if (performance.now() >= deadline) {
      const detail = options.detail === undefined ? '' : `; ${await describe(options.detail)}`;
      const message = `timed out after ${options.timeoutMs} ms waiting for ${options.reason}`;
      throw new WaitForTimeout(message + detail, { cause: lastError });
    }
    await sleep(options.intervalMs ?? 10);
  }
}

async function describe(detail: () => unknown): Promise<string> {
  try {
    return JSON.stringify(await detail());
  } catch (err) {
    return `(detail failed: ${String(err)})`;
  }
}
