/**
 * Bytes held in memory by in-flight batches across all streams. Bytes are counted once they are
 * received (they are in memory whatever we decide); readers stop while the budget is exhausted.
 */
export class ByteBudget {
  private used = 0;
  private readonly waiters = new Set<() => void>();

  constructor(readonly maxBytes: number) {}

  get usedBytes(): number {
    return this.used;
  }

  /** True while readers should stop taking more. */
  get exhausted(): boolean {
    return this.used >= this.maxBytes;
  }

  /** Counts received bytes. */
  acquire(bytes: number): void {
    this.used += bytes;
  }

  /** Returns bytes and wakes whoever waits for room. */
  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
    for (const wake of [...this.waiters]) wake();
  }

  /** Calls `wake` on every release until the returned function is called. */
  onRelease(wake: () => void): () => void {
    this.waiters.add(wake);
    return () => this.waiters.delete(wake);
  }
}
