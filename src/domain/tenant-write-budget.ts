/**
 * Bytes of store writes one tenant may have running at once, so a tenant that floods large
 * batches over many streams writes them one budget's worth at a time instead of taking every
 * core the store has from the other tenants (issue 17, fairness). A write larger than the
 * budget runs alone; waiting writes of a tenant start in arrival order. Other tenants never
 * wait on this tenant's budget. `maxBytes` 0 turns it off.
 */
export class TenantWriteBudget {
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, { bytes: number; start: () => void }[]>();

  constructor(readonly maxBytes: number) {}

  /** Runs `write` once the tenant's running writes leave room for `bytes`. */
  async run<T>(tenantId: string, bytes: number, write: () => Promise<T>): Promise<T> {
    if (this.maxBytes <= 0) return write();
    await this.#admit(tenantId, bytes);
    try {
      return await write();
    } finally {
      this.#release(tenantId, bytes);
    }
  }

  /** Bytes the tenant's writes hold now (for tests and metrics). */
  runningBytes(tenantId: string): number {
    return this.#running.get(tenantId) ?? 0;
  }

  #admit(tenantId: string, bytes: number): Promise<void> {
    const queue = this.#waiting.get(tenantId);
    if (queue === undefined && this.#fits(tenantId, bytes)) {
      this.#running.set(tenantId, this.runningBytes(tenantId) + bytes);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const entry = { bytes, start: resolve };
      if (queue === undefined) this.#waiting.set(tenantId, [entry]);
      else queue.push(entry);
    });
  }

  #release(tenantId: string, bytes: number): void {
    const left = this.runningBytes(tenantId) - bytes;
    if (left > 0) this.#running.set(tenantId, left);
    else this.#running.delete(tenantId);
    const queue = this.#waiting.get(tenantId);
    while (queue !== undefined && queue.length > 0 && this.#fits(tenantId, queue[0]!.bytes)) {
      const next = queue.shift()!;
      this.#running.set(tenantId, this.runningBytes(tenantId) + next.bytes);
      next.start();
    }
    if (queue?.length === 0) this.#waiting.delete(tenantId);
  }

  // Nothing running always fits: a write over the budget runs alone rather than never.
  #fits(tenantId: string, bytes: number): boolean {
    const running = this.runningBytes(tenantId);
    return running === 0 || running + bytes <= this.maxBytes;
  }
}
