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
 * that way was seen spinning in Node's exit cleanup for minutes. A trim of a few hundred MB took
 * 10-30 ms on a quiet machine and 406 ms for 314 MB on a loaded one.
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

/** When the service trims (see startMallocTrimming). */
export interface MallocTrimPolicy {
  /** How often resident memory is looked at; 0: never trim. */
  readonly intervalMs: number;
  /**
   * Trim once resident memory has grown this much above its low since the last trim (0: every
   * interval).
   */
  readonly growthBytes: number;
}

/**
 * However little memory grew, trims are at most this many intervals apart (30 s by default),
 * so what a finished burst of work freed below the growth line does not stay resident for
 * good: after a million-point ingest the bench's server held 790-900 MB through the 92 s its
 * index took to build, and a trim after its searches found 314 MB to give back. Steady
 * searches then pay for one trim every 30 intervals instead of every interval.
 */
export const MAX_INTERVALS_BETWEEN_TRIMS = 30;

/**
 * Every `intervalMs` (0: never), trims once resident memory has grown by `growthBytes` above
 * its lowest since the last trim (0: every time), or MAX_INTERVALS_BETWEEN_TRIMS after the
 * last trim. A trim hands back memory the work of the moment may want again at once: an
 * indexed search of a million points frees and reallocates ~130 MB a second, and trimming all
 * of it each second cost both the trim (60-260 ms holding the allocator) and the page faults of
 * taking it back (docs/BENCHMARKS.md, "Trimming only growth"). Growth beyond the churn is what
 * is worth giving back: an ingest's freed batches, a burst's buffers. The timer never keeps the
 * process alive. A platform without malloc_trim is logged once: housekeeping never keeps the
 * service from serving.
 */
export function startMallocTrimming(
  policy: MallocTrimPolicy,
  logger: Logger,
  load: () => MallocTrim = loadMallocTrim,
  residentBytes: () => number = () => process.memoryUsage.rss(),
): { stop(): void } {
  const idle = { stop: () => {} };
  if (policy.intervalMs === 0) return idle;
  let trim: MallocTrim;
  try {
    trim = load();
  } catch (err) {
    logger.info('malloc trimming unavailable', { err });
    return idle;
  }
  let low = residentBytes();
  let intervalsSinceTrim = 0;
  const timer = setInterval(() => {
    const resident = residentBytes();
    low = Math.min(low, resident);
    intervalsSinceTrim += 1;
    const due =
      resident - low >= policy.growthBytes || intervalsSinceTrim >= MAX_INTERVALS_BETWEEN_TRIMS;
    if (!due) return;
    intervalsSinceTrim = 0;
    try {
      const result = trim();
      if (result.ms >= SLOW_TRIM_MS) logger.warn('malloc trim was slow', rounded(result));
    } catch (err) {
      logger.warn('malloc trim failed', { err });
    }
    low = residentBytes();
  }, policy.intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function rounded(result: TrimResult): Record<string, number> {
  return { ms: Math.round(result.ms), releasedMb: Math.round(result.releasedMb) };
}
