import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';
import type { Logger } from '../domain/index.js';

/** What one trim did: how long it took and what it gave back. */
export interface TrimResult {
  readonly ms: number;
  /** Resident memory before minus after, MiB (negative when other threads grew meanwhile). */
  readonly releasedMb: number;
}

/** Gives freed heap memory back to the kernel. */
export type MallocTrim = () => TrimResult;

/** Trims that hold the allocator this long are logged: every thread's malloc waits meanwhile. */
const SLOW_TRIM_MS = 50;

/**
 * glibc's `malloc_trim(0)`. glibc keeps memory the process has freed: the main heap only
 * shrinks from its top, so a 6 MiB buffer freed below live ones stays resident, and the service
 * frees several per batch. At a million points the server held about 340 MB freed of 820 MB
 * resident (docs/BENCHMARKS.md, "Giving freed memory back"). The call is synchronous: koffi's
 * async form queues it on libuv's thread pool, and a test process whose services had trimmed
 * that way was seen spinning in Node's exit cleanup for minutes. A trim takes 10-30 ms when a
 * few hundred MB were freed since the last, less in steady work.
 * Throws where there is no glibc (musl, macOS) or no koffi build for the platform.
 */
export function loadMallocTrim(): MallocTrim {
  if (process.platform !== 'linux') throw new Error(`no glibc on ${process.platform}`);
  // Required here rather than imported, so its native addon loads only when trimming is on.
  const koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
  const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as (
    pad: number,
  ) => number;
  return () => {
    const before = process.memoryUsage.rss();
    const started = performance.now();
    trim(0);
    const ms = performance.now() - started;
    return { ms, releasedMb: (before - process.memoryUsage.rss()) / 2 ** 20 };
  };
}

/**
 * Trims every `intervalMs` (0: never) until stopped; the timer never keeps the process alive.
 * A platform without malloc_trim is logged once: housekeeping never keeps the service from
 * serving.
 */
export function startMallocTrimming(
  intervalMs: number,
  logger: Logger,
  load: () => MallocTrim = loadMallocTrim,
): { stop(): void } {
  const idle = { stop: () => {} };
  if (intervalMs === 0) return idle;
  let trim: MallocTrim;
  try {
    trim = load();
  } catch (err) {
    logger.info('malloc trimming unavailable', { err });
    return idle;
  }
  const timer = setInterval(() => {
    try {
      const result = trim();
      if (result.ms >= SLOW_TRIM_MS) logger.warn('malloc trim was slow', rounded(result));
    } catch (err) {
      logger.warn('malloc trim failed', { err });
    }
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function rounded(result: TrimResult): Record<string, number> {
  return { ms: Math.round(result.ms), releasedMb: Math.round(result.releasedMb) };
}
