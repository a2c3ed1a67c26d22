/** When the embedded store compacts a table (see CompactionTracker). */
export interface CompactionPolicy {
  /** Never compact sooner than this many writes after the last compaction. */
  readonly minWrites: number;
  /** Always compact after this many writes, bounding fragments and table versions. */
  readonly maxWrites: number;
}

/** Default policy: at most every 64 writes; at least every 1,024. */
export const DEFAULT_COMPACTION_POLICY: CompactionPolicy = { minWrites: 64, maxWrites: 1024 };

/** Rows a commit touched, as LanceDB reports them. */
export interface CommitRows {
  readonly inserted: number;
  readonly updated: number;
  readonly deleted: number;
}

/**
 * Decides when a table is worth compacting. Lance compaction rewrites every fragment under
 * 1M rows, so its cost grows with the table (~1-2 s for 60k rows of 1536-d here), while many
 * fragments cost little (flat search over 60k rows: ~75 ms in 60 fragments, ~115 ms in 480).
 * What compaction buys is the space of dead rows (updates and deletes leave the old copies)
 * and fewer table versions, so a table is due once a quarter of its rows are dead, or after
 * `maxWrites`, which bounds fragments and versions when only inserts arrive.
 */
export class CompactionTracker {
  private writes = 0;
  private deadRows = 0;

  constructor(private liveRows: number) {}

  /** Live rows of the table, as counted from the commits since it was opened. */
  get rows(): number {
    return this.liveRows;
  }

  /**
   * Records one commit; true when the table is now due for compaction, and then counting
   * starts afresh, so a compaction that fails is retried a cycle later, not on every write.
   */
  record(commit: CommitRows, policy: CompactionPolicy): boolean {
    this.writes++;
    this.deadRows += commit.updated + commit.deleted;
    this.liveRows += commit.inserted - commit.deleted;
    const due =
      this.writes >= policy.maxWrites ||
      (this.writes >= policy.minWrites && this.deadRows * 4 >= Math.max(1, this.liveRows));
    if (due) this.reset(this.liveRows);
    return due;
  }

  /** Starts counting afresh for a table holding `liveRows`. */
  reset(liveRows: number): void {
    this.writes = 0;
    this.deadRows = 0;
    this.liveRows = liveRows;
  }
}
