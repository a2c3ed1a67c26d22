/**
 * Admits at most `limit` full-table scans at once. Each flat search reads the whole vector
 * column, so concurrent scans multiply memory while the cores they share give no more
 * throughput; waiting callers queue in arrival order.
 */
export class ScanGate {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit)
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running += 1;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next === undefined) this.running -= 1;
      else next();
    }
  }
}
