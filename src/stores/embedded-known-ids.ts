import type { Table } from '@lancedb/lancedb';
import { IdFilter } from './id-filter.js';

/**
 * At this rate per id, about 1% of 1,024-id batches of new ids still take the id query. The
 * filter costs ~26 bits per id when a table opens with its rows (3.2 MB at a million), ~45 when
 * it grows from empty (5.6 MB at a million: each added layer is four times the last).
 */
const FALSE_POSITIVE_RATE = 1e-5;
const MIN_CAPACITY = 1024;
/** After a failed load, writes take the id query this long before the next attempt. */
const RETRY_AFTER_MS = 60_000;

/**
 * Which ids a table may hold, so that an upsert of new ids skips the id query (at a million
 * rows the query costs 20 ms per 1,024 ids, a third of the write: docs/BENCHMARKS.md, "The
 * new-id check"). The filter is loaded from the id column on the table's first write and every
 * written id is recorded before its write, so it holds a superset of the stored ids: deleted
 * ids stay in it and at worst send a batch to the query. Correct only while this process is
 * the table's one writer, which the embedded store requires (docs/OPERATIONS.md).
 */
export class KnownIds {
  private filter: IdFilter | undefined;
  private loaded = false;
  private loading: Promise<void> | undefined;
  private failedAt = -Infinity;

  constructor(
    private readonly table: Table,
    private readonly rowsAtOpen: number,
    private readonly enabled: boolean,
  ) {}

  /**
   * True when none of `ids` is stored. False when some may be, or while the filter loads: the
   * caller then asks the table. Called from the table's write queue, so no write of this
   * table is in flight, and the first call starts the load.
   */
  noneStored(ids: readonly string[]): boolean {
    if (!this.enabled) return false;
    if (!this.loaded) {
      this.startLoading();
      return false;
    }
    const filter = this.filter!;
    return ids.every((id) => !filter.mightContain(id));
  }

  /** Records ids about to be written; called before the write, so none is ever missed. */
  record(ids: readonly string[]): void {
    const filter = this.filter;
    if (filter === undefined) return;
    for (const id of ids) filter.add(id);
  }

  /** Resolves once a load under way has finished: for tests and benchmarks. */
  async settled(): Promise<void> {
    await this.loading;
  }

  private startLoading(): void {
    if (this.loading !== undefined || Date.now() - this.failedAt < RETRY_AFTER_MS) return;
    // Created before the scan starts: writes from now on are recorded in it, and the scan
    // (which starts after every earlier write committed) reads the rest.
    const filter = new IdFilter(Math.max(MIN_CAPACITY, this.rowsAtOpen), FALSE_POSITIVE_RATE);
    this.filter = filter;
    this.loading = addStoredIds(this.table, filter).then(
      () => {
        this.loaded = true;
        this.loading = undefined;
      },
      () => {
        // Nothing is lost: writes keep asking the table until a later load succeeds.
        this.filter = undefined;
        this.failedAt = Date.now();
        this.loading = undefined;
      },
    );
  }
}

async function addStoredIds(table: Table, filter: IdFilter): Promise<void> {
  for await (const batch of table.query().select(['id'])) {
    const ids = batch.getChild('id')!;
    for (let row = 0; row < batch.numRows; row++) filter.add(ids.get(row) as string);
  }
}
