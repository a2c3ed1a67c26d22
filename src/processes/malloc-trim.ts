import { createRequire } from 'node:module';
import type * as Koffi from 'koffi';
import type { Logger } from '../domain/index.js';

/** What one trim did: how long it took and what it gave back. */
export interface TrimResult {
  readonly ms: number;
  /** Resident memory before minus after, MiB (negative when other threads grew meanwhile). */
  readonly releasedMb: number;
}

/** Gives freed heap memory back to the kernel, off the event loop. */
export type MallocTrim = () => Promise<TrimResult>;

/** Trims that hold the allocator this long are logged: every thread's malloc waits meanwhile. */
const SLOW_TRIM_MS = 50;

/**
 * glibc's `malloc_trim(0)`. glibc keeps memory the process has freed: the main heap only
 * shrinks from its top, so a 6 MiB buffer freed below live ones stays resident, and the service
 * frees several per batch. At a million points the server held about 340 MB freed of 820 MB
 * resident (docs/BENCHMARKS.md, "Giving freed memory back"). The call runs on one of libuv's
 * worker threads (shared with fs and dns) because a trim of a few hundred MB takes 10-30 ms.
 * Throws where there is no glibc (musl, macOS) or no koffi build for the platform.
 */
export function loadMallocTrim(): MallocTrim {
  if (process.platform !== 'linux') throw new Error(`no glibc on ${process.platform}`);
  // Required here rather than imported, so its native addon loads only when trimming is on.
  const koffi = createRequire(import.meta.url)('koffi') as typeof Koffi;
  const trim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)') as Koffi.KoffiFunc<
    (pad: number) => number
  >;
  return () =>
    new Promise((resolve, reject) => {
      const before = process.memoryUsage.rss();
      const started = performance.now();
      trim.async(0, (err: unknown) => {
        if (err !== null && err !== undefined) {
          reject(err instanceof Error ? err : new Error('malloc_trim call failed', { cause: err }));
          return;
        }
        const ms = performance.now() - started;
        resolve({ ms, releasedMb: (before - process.memoryUsage.rss()) / 2 ** 20 });
      });
    });
}

/**
 * Trims every `intervalMs` (0: never) until stopped, skipping a turn while the last trim runs;
 * the timer never keeps the process alive. A platform without malloc_trim is logged once:
 * memory housekeeping never keeps the service from serving.
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
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    trim()
      .then((result) => {
        if (result.ms >= SLOW_TRIM_MS) logger.warn('malloc trim was slow', rounded(result));
      })
      .catch((err: unknown) => logger.warn('malloc trim failed', { err }))
      .finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}

function rounded(result: TrimResult): Record<string, number> {
  return { ms: Math.round(result.ms), releasedMb: Math.round(result.releasedMb) };
}
