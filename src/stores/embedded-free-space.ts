import { statfs } from 'node:fs/promises';
import { ErrorCode, VectorAdminError } from '../domain/errors.js';

/** Free space below which the embedded store refuses writes; default 8 MiB. */
export const DEFAULT_MIN_FREE_BYTES = 8 * 1024 * 1024;
/** How long a refused write is told to wait before retrying. */
export const FULL_DISK_RETRY_AFTER_MS = 1000;
// statfs is cheap, but not per batch of a busy stream.
const RECHECK_MS = 250;

/**
 * Watches the free space of the data directory's file system (statfs), so a filling disk
 * refuses writes cleanly with UNAVAILABLE and a retry hint before LanceDB or the event journal
 * meet ENOSPC mid-write, and health can say why (issue 17). Reads never ask it. Once space
 * returns, the next check lets writes through again: no restart needed.
 */
export class FreeSpaceGuard {
  #checkedAt = -Infinity;
  #freeBytes = Infinity;
  #pending: Promise<number> | undefined;

  constructor(
    private readonly dir: string,
    readonly minFreeBytes = DEFAULT_MIN_FREE_BYTES,
  ) {}

  /** Throws unavailable (with a retry hint) while free space is under `minFreeBytes`. */
  async assertWritable(action: string): Promise<void> {
    const free = await this.freeBytes();
    if (free >= this.minFreeBytes) return;
    throw new VectorAdminError(
      ErrorCode.Unavailable,
      `embedded store cannot ${action}: ${this.describe(free)}`,
      { retryAfterMs: FULL_DISK_RETRY_AFTER_MS },
    );
  }

  /** Free bytes for unprivileged writers, at most RECHECK_MS old; Infinity when unknown. */
  async freeBytes(): Promise<number> {
    if (performance.now() - this.#checkedAt < RECHECK_MS) return this.#freeBytes;
    this.#pending ??= this.#measure().finally(() => (this.#pending = undefined));
    return this.#pending;
  }

  /** Why writes are refused at `free` bytes, for errors, health and logs. */
  describe(free: number): string {
    return `the data disk has ${mebibytes(free)} MiB free, under the ${mebibytes(this.minFreeBytes)} MiB the store keeps in reserve`;
  }

  async #measure(): Promise<number> {
    try {
      const stats = await statfs(this.dir);
      this.#freeBytes = stats.bavail * stats.bsize;
    } catch {
      // A file system that cannot say (or a vanished dir) is judged by the writes themselves.
      this.#freeBytes = Infinity;
    }
    this.#checkedAt = performance.now();
    return this.#freeBytes;
  }
}

function mebibytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
