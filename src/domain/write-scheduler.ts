/** Bounds of the write scheduler, in bytes of vectors; 0 turns a bound off. */
export interface WriteBounds {
  /** Bytes of store writes all tenants together may have running at once. */
  readonly maxBytes: number;
  /** Bytes of store writes one tenant may have running at once. */
  readonly tenantMaxBytes: number;
}

interface Waiting {
  readonly bytes: number;
  readonly start: () => void;
}

/**
 * Admits store writes under a global and a per-tenant bound, serving waiting tenants
 * round-robin instead of in arrival order (issue 17, fairness): a tenant that queued many
 * large batches gets one turn like every other tenant, so another tenant's batch waits for the
 * writes already running and at most one batch of each tenant ahead of it in the turn, never
 * for the whole backlog. A tenant's own writes start in arrival order, so a stream's batches
 * (and a tenant's streams) keep their order. A write larger than a bound runs once nothing
 * else holds that bound: it is slowed, never refused or starved.
 */
export class WriteScheduler {
  readonly #running = new Map<string, number>();
  readonly #waiting = new Map<string, Waiting[]>();
  /** When each tenant with running or waiting writes last started one (a counter). */
  readonly #lastStart = new Map<string, number>();
  #starts = 0;
  #runningBytes = 0;

  constructor(readonly bounds: WriteBounds) {}

  /** Runs `write` once the bounds leave room for `bytes` and the tenant's turn has come. */
  async run<T>(tenantId: string, bytes: number, write: () => Promise<T>): Promise<T> {
    await this.#admit(tenantId, bytes);
    try {
      return await write();
    } finally {
      this.#release(tenantId, bytes);
    }
  }

  /** Bytes the tenant's writes hold now (all tenants' without one): for tests and metrics. */
  runningBytes(tenantId?: string): number {
    return tenantId === undefined ? this.#runningBytes : (this.#running.get(tenantId) ?? 0);
  }

  /** Writes waiting for their turn. */
  waitingWrites(): number {
    let n = 0;
    for (const queue of this.#waiting.values()) n += queue.length;
    return n;
  }

  #admit(tenantId: string, bytes: number): Promise<void> {
    // Nobody waits: only the bounds decide, so an idle scheduler costs two map lookups.
    if (this.#waiting.size === 0 && this.#fitsTenant(tenantId, bytes) && this.#fitsGlobal(bytes)) {
      this.#take(tenantId, bytes);
      return Promise.resolve();
    }
    const admitted = new Promise<void>((start) => {
      const queue = this.#waiting.get(tenantId);
      if (queue === undefined) this.#waiting.set(tenantId, [{ bytes, start }]);
      else queue.push({ bytes, start });
    });
    // Those waiting may be held by their own tenant's bound only: this write may start now.
    this.#dispatch();
    return admitted;
  }

  #release(tenantId: string, bytes: number): void {
    this.#runningBytes -= bytes;
    const left = this.runningBytes(tenantId) - bytes;
    if (left > 0) this.#running.set(tenantId, left);
    else {
      this.#running.delete(tenantId);
      if (!this.#waiting.has(tenantId)) this.#lastStart.delete(tenantId);
    }
    this.#dispatch();
  }

  /**
   * Starts waiting writes, the least recently served tenant first: a round-robin whose turns
   * count writes started, whichever way they started. When the global bound stops that
   * tenant's next write, nothing else starts, so the room freed next goes to it rather than
   * to a stream of smaller writes of others; a tenant held by its own bound gives its turn.
   */
  #dispatch(): void {
    for (;;) {
      const tenantId = this.#nextTurn();
      if (tenantId === undefined) return;
      const queue = this.#waiting.get(tenantId)!;
      const next = queue[0]!;
      if (!this.#fitsGlobal(next.bytes)) return;
      queue.shift();
      if (queue.length === 0) this.#waiting.delete(tenantId);
      this.#take(tenantId, next.bytes);
      next.start();
    }
  }

  /** The waiting tenant served longest ago (never: first) among those its own bound lets start. */
  #nextTurn(): string | undefined {
    let chosen: string | undefined;
    let chosenAt = Infinity;
    for (const [tenantId, queue] of this.#waiting) {
      const at = this.#lastStart.get(tenantId) ?? -1;
      if (at < chosenAt && this.#fitsTenant(tenantId, queue[0]!.bytes)) {
        chosen = tenantId;
        chosenAt = at;
      }
    }
    return chosen;
  }

  #take(tenantId: string, bytes: number): void {
    this.#runningBytes += bytes;
    this.#running.set(tenantId, this.runningBytes(tenantId) + bytes);
    this.#lastStart.set(tenantId, this.#starts++);
  }

  // Nothing running always fits: a write over a bound runs alone rather than never.
  #fitsGlobal(bytes: number): boolean {
    const { maxBytes } = this.bounds;
    return maxBytes <= 0 || this.#runningBytes === 0 || this.#runningBytes + bytes <= maxBytes;
  }

  #fitsTenant(tenantId: string, bytes: number): boolean {
    const { tenantMaxBytes } = this.bounds;
    const running = this.runningBytes(tenantId);
    return tenantMaxBytes <= 0 || running === 0 || running + bytes <= tenantMaxBytes;
  }
}
