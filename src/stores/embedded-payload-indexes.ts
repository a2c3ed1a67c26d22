import { Index } from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import type { ConcurrencyGate } from './embedded-scan-gate.js';
import { COMMIT_CONFLICT } from './lance-errors.js';
import type { PayloadColumn } from './lance-payload-columns.js';

/** When a table's payload index columns get their scalar indexes. */
export interface PayloadIndexPolicy {
  /** The indexes are built once a table holds this many rows (the id index's threshold). */
  readonly minRows: number;
  /** ...and rebuilt once this many rows, and a tenth of the table, were written since. */
  readonly refreshRows: number;
}

/**
 * BTREE indexes on a table's payload index columns, so a filter's prefilter looks rows up
 * instead of scanning the column. LanceDB's Node binding updates a scalar index only through
 * `optimize()` (compaction included) or a rebuild, so they are rebuilt in the background once
 * a tenth of the table is new to them: the rebuilds cost O(rows) each but come geometrically
 * rarer as the table grows, and LanceDB scans the rows an index does not cover yet, so a
 * prefilter stays exact meanwhile.
 */
export class PayloadColumnIndexes {
  private built = false;
  private staleRows = 0;
  private building = false;
  private closed = false;
  private work: Promise<void> = Promise.resolve();

  constructor(
    private readonly table: Table,
    private readonly columns: readonly PayloadColumn[],
    private readonly policy: PayloadIndexPolicy,
    private readonly onError: (message: string, err: unknown) => void,
    /** The process's scalar index builds, one at a time (see SCALAR_INDEX_BUILDS). */
    private readonly builds: ConcurrencyGate,
  ) {}

  /** Reads what the indexes of a table just opened cover, given the names of its indexes. */
  async start(indexNames: readonly string[]): Promise<void> {
    if (this.columns.length === 0) return;
    const names = new Set(indexNames);
    this.built = this.columns.every(({ column }) => names.has(indexName(column)));
    if (!this.built) return;
    const stats = await this.table.indexStats(indexName(this.columns[0]!.column));
    this.staleRows = stats?.numUnindexedRows ?? 0;
  }

  /** Records a commit that left `rows` live rows and wrote `writtenRows`; rebuilds when due. */
  afterWrite(rows: number, writtenRows: number): void {
    this.staleRows += writtenRows;
    if (this.columns.length === 0 || this.building || this.closed) return;
    const due = this.built
      ? this.staleRows >= Math.max(this.policy.refreshRows, rows / 10)
      : rows >= this.policy.minRows;
    if (!due) return;
    this.building = true;
    const covered = this.staleRows;
    this.work = this.rebuild().then(
      () => {
        this.built = true;
        this.staleRows = Math.max(0, this.staleRows - covered);
      },
      (err: unknown) => {
        // A commit that won the race (a compaction) is retried on a later write.
        if (this.closed || COMMIT_CONFLICT.test(String(err))) return;
        this.onError('embedded store: payload index build failed', err);
      },
    );
    void this.work.finally(() => {
      this.building = false;
    });
  }

  /** Resolves once the build running now (if any) has finished. */
  async settled(): Promise<void> {
    await this.work;
  }

  /** Stops scheduling builds; resolves once the one running has finished. */
  async stop(): Promise<void> {
    this.closed = true;
    await this.work;
  }

  private async rebuild(): Promise<void> {
    for (const { column } of this.columns) {
      // Checked again once the gate admits it: it may have waited behind other tables' builds.
      await this.builds.run(async () => {
        if (this.closed) return;
        await this.table.createIndex(column, {
          name: indexName(column),
          config: Index.btree(),
          replace: true,
        });
      });
    }
  }
}

function indexName(column: string): string {
  return `${column}_idx`;
}
