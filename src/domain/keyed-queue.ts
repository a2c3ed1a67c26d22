/**
 * Runs tasks one at a time per key, in call order; different keys run concurrently. The
 * embedded store uses one key per collection so concurrent upserts apply in call order and
 * never race a compaction or a drop of the same table; the collection service one key per
 * tenant's table so its create, ensure and delete calls never interleave.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after every task queued earlier under `key`; its outcome is the caller's. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    // Tails never reject, so `task` runs whatever happened to the task before it.
    const result = previous.then(task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Resolves once every task queued so far has settled. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }
}
