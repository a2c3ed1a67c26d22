/** Runs at most `limit` tasks at once; waiting callers queue in arrival order. */
export class ConcurrencyGate {
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

/**
 * The store's searches: at most `searches` at once, and of those at most `largeScans` flat
 * scans of tables large enough to be indexed. A flat scan of a million 1,536-d rows holds
 * 250-300 MB of LanceDB's read-ahead while it runs; two at once were the server's memory peak
 * and answered no faster on 2 cores (docs/BENCHMARKS.md, "Exact scans one at a time"). A large
 * scan waits for its own gate first, so while it waits it holds no search slot.
 */
export class SearchGates {
  private readonly searches: ConcurrencyGate;
  private readonly largeScans: ConcurrencyGate;

  constructor(searches: number, largeScans: number) {
    this.searches = new ConcurrencyGate(searches);
    this.largeScans = new ConcurrencyGate(largeScans);
  }

  run<T>(largeScan: boolean, work: () => Promise<T>): Promise<T> {
    const search = () => this.searches.run(work);
    return largeScan ? this.largeScans.run(search) : search();
  }
}

/**
 * Scalar (BTREE) index builds of this process, one at a time. LanceDB sorts a column's values
 * for each build within one memory pool per process (`LANCE_MEM_POOL_SIZE`, 150 MB by
 * default): builds beside others failed with "Not enough memory to continue external sort"
 * in a 1M-point bench run, and in a test the same builds passed one after another.
 */
export const SCALAR_INDEX_BUILDS = new ConcurrencyGate(1);
