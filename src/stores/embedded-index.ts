import { Index } from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import { IndexStatus } from '../domain/types.js';
import type { CollectionConfig } from '../domain/types.js';
import { lanceDistanceType } from './embedded-scoring.js';

/** When and how the embedded store indexes a collection (see CollectionIndexer). */
export interface VectorIndexPolicy {
  /** A collection gets a vector index once it holds this many points. */
  readonly thresholdRows: number;
  /** The index is updated once this many rows are unindexed. */
  readonly updateRows: number;
  /** ...or once writes have been quiet this long with any rows unindexed. */
  readonly quietMs: number;
  /** A BTREE index on `id` is built once a table holds this many rows. */
  readonly idIndexRows: number;
  /** Default HNSW search breadth (a query's `hnswEf` overrides it). */
  readonly ef: number;
  /** Candidates re-ranked with full vectors: `limit * refineFactor`. */
  readonly refineFactor: number;
}

/**
 * Defaults measured on 1,536-d clustered data (docs/BENCHMARKS.md, "Embedded store index"):
 * below 20,000 points a flat scan takes ~50 ms, less than the index's build would cost per
 * write burst; ef 128 with refine 5 keeps recall@10 at 1.0 there.
 */
export const DEFAULT_VECTOR_INDEX_POLICY: VectorIndexPolicy = {
  thresholdRows: 20_000,
  updateRows: 10_000,
  quietMs: 5_000,
  idIndexRows: 10_000,
  ef: 128,
  refineFactor: 5,
};

/** A failed vector index build is retried on a write this long after the failure. */
const BUILD_RETRY_MS = 60_000;

/** LanceDB's message when a concurrent commit preempted ours. */
const COMMIT_CONFLICT = /commit conflict|preempted by concurrent/i;

export const VECTOR_INDEX_NAME = 'vector_idx';
export const ID_INDEX_NAME = 'id_idx';

/** How a search uses the vector index: `undefined` means an exact (flat) scan. */
export interface AnnOptions {
  readonly ef: number;
  readonly refineFactor: number;
}

/** What getCollection reports about indexing. */
export interface IndexReport {
  readonly indexedVectorsCount: number;
  readonly status: IndexStatus;
}

type Phase = 'none' | 'building' | 'ready' | 'failed';

/**
 * Keeps one table's indexes: builds IVF_HNSW_SQ in the background once the table crosses the
 * threshold, then folds new rows in with `optimize()` (an index update that adds a delta, never
 * a rebuild) once enough are unindexed or writes go quiet. All of it runs beside the write
 * queue: LanceDB commits an index build or an optimize concurrently with appends and merges
 * (a writer that conflicts is retried by LanceDB itself), and searches merge rows the index
 * does not cover yet with an exact scan of them, so an acknowledged point is never invisible.
 */
export class CollectionIndexer {
  private phase: Phase = 'none';
  private hasIdIndex = false;
  private idIndexBuilding = false;
  private updating = false;
  private pendingRows = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private failedAtMs = 0;
  /** Background work on this table, one task at a time: builds and optimizes conflict. */
  private maintenance: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly distanceType: 'dot' | 'l2' | undefined;

  constructor(
    private readonly table: Table,
    config: CollectionConfig,
    private readonly policy: VectorIndexPolicy,
    /** Runs `optimize()` on the table (compaction and index update together, in LanceDB). */
    private readonly optimize: () => Promise<void>,
    private readonly onError: (message: string, err: unknown) => void,
  ) {
    // Cosine vectors are stored normalized, so cosine is indexed (and searched) as dot.
    this.distanceType = lanceDistanceType(config.distance);
  }

  /** Reads which indexes exist and starts whatever work is due for a table of `rows`. */
  async start(rows: number): Promise<void> {
    const indices = await this.table.listIndices();
    this.hasIdIndex = indices.some((i) => i.name === ID_INDEX_NAME);
    if (indices.some((i) => i.name === VECTOR_INDEX_NAME)) {
      this.phase = 'ready';
      const stats = await this.table.indexStats(VECTOR_INDEX_NAME);
      this.pendingRows = stats?.numUnindexedRows ?? 0;
    }
    this.afterWrite(rows, 0);
  }

  /** The search's use of the index: none when exact is asked for or there is no index yet. */
  annOptions(params: { exact?: boolean; hnswEf?: number } | undefined): AnnOptions | undefined {
    if (params?.exact === true || this.phase !== 'ready') return undefined;
    return { ef: params?.hnswEf ?? this.policy.ef, refineFactor: this.policy.refineFactor };
  }

  /** Records a commit that left `rows` live rows and wrote `writtenRows`; starts due work. */
  afterWrite(rows: number, writtenRows: number): void {
    if (this.closed) return;
    if (!this.hasIdIndex && !this.idIndexBuilding && rows >= this.policy.idIndexRows) {
      this.idIndexBuilding = true;
      this.background('id index build', () => this.buildIdIndex());
    }
    if (this.distanceType === undefined) return; // Manhattan: LanceDB has no such index.
    const retry = this.phase === 'failed' && Date.now() - this.failedAtMs >= BUILD_RETRY_MS;
    if ((this.phase === 'none' || retry) && rows >= this.policy.thresholdRows) {
      this.phase = 'building';
      this.background('vector index build', () => this.buildVectorIndex());
      return;
    }
    if (this.phase !== 'ready') return;
    this.pendingRows += writtenRows;
    if (this.pendingRows >= this.policy.updateRows) this.update();
    else if (this.pendingRows > 0) this.armQuietTimer();
  }

  /** Index status and coverage for a table holding `pointsCount` points. */
  async report(pointsCount: number): Promise<IndexReport> {
    if (this.phase === 'failed') return { indexedVectorsCount: 0, status: IndexStatus.Red };
    if (this.phase === 'building') return { indexedVectorsCount: 0, status: IndexStatus.Yellow };
    if (this.phase === 'none') {
      // Below the threshold every point is searched exactly: nothing is missing from an index.
      const due = this.distanceType !== undefined && pointsCount >= this.policy.thresholdRows;
      return { indexedVectorsCount: 0, status: due ? IndexStatus.Yellow : IndexStatus.Green };
    }
    const stats = await this.table.indexStats(VECTOR_INDEX_NAME);
    const unindexed = stats?.numUnindexedRows ?? pointsCount;
    // Rows deleted since the last update are still counted by the index until it is updated.
    const indexedVectorsCount = Math.min(stats?.numIndexedRows ?? 0, pointsCount);
    const current = unindexed === 0 && !this.updating;
    return { indexedVectorsCount, status: current ? IndexStatus.Green : IndexStatus.Yellow };
  }

  /** Runs `optimize()` (compaction and index update) after the maintenance queued before it. */
  optimizeNow(): Promise<void> {
    return this.serialize(this.optimize);
  }

  /** Folds pending rows into the index now; resolves once no background work is left. */
  async settled(): Promise<void> {
    for (;;) {
      const current = this.maintenance;
      await current;
      if (this.phase === 'ready' && this.pendingRows > 0 && !this.closed && !this.updating) {
        this.update();
        continue;
      }
      if (this.maintenance === current) return;
    }
  }

  /** Stops scheduling work and waits for the work already running (drop the table after). */
  async stop(): Promise<void> {
    this.close();
    await this.maintenance;
  }

  /** Stops scheduling work; builds already running finish on their own. */
  close(): void {
    this.closed = true;
    clearTimeout(this.quietTimer);
  }

  private async buildVectorIndex(): Promise<void> {
    try {
      await this.table.createIndex('vector', {
        name: VECTOR_INDEX_NAME,
        config: Index.hnswSq({ distanceType: this.distanceType! }),
      });
    } catch (err) {
      // Another handle on this table (a store closed mid-build, another process) committed
      // its own build first: that index serves as well as ours would have.
      if (!(COMMIT_CONFLICT.test(String(err)) && (await this.hasVectorIndex()))) {
        this.phase = 'failed';
        this.failedAtMs = Date.now();
        throw err;
      }
    }
    this.phase = 'ready';
    // Rows written during the build are not in it.
    const stats = await this.table.indexStats(VECTOR_INDEX_NAME);
    this.pendingRows = stats?.numUnindexedRows ?? 0;
    if (this.pendingRows > 0) this.afterWrite(0, 0);
  }

  private async hasVectorIndex(): Promise<boolean> {
    await this.table.checkoutLatest();
    return (await this.table.listIndices()).some((i) => i.name === VECTOR_INDEX_NAME);
  }

  private async buildIdIndex(): Promise<void> {
    try {
      await this.table.createIndex('id', { name: ID_INDEX_NAME, config: Index.btree() });
      this.hasIdIndex = true;
    } finally {
      this.idIndexBuilding = false;
    }
  }

  private update(): void {
    clearTimeout(this.quietTimer);
    if (this.updating || this.closed) return;
    this.updating = true;
    this.pendingRows = 0;
    this.background('vector index update', async () => {
      try {
        await this.optimize();
      } finally {
        this.updating = false;
      }
      const stats = await this.table.indexStats(VECTOR_INDEX_NAME);
      this.pendingRows = stats?.numUnindexedRows ?? 0;
      if (this.pendingRows > 0) this.afterWrite(0, 0);
    });
  }

  private armQuietTimer(): void {
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.update(), this.policy.quietMs);
    this.quietTimer.unref();
  }

  private serialize(work: () => Promise<void>): Promise<void> {
    const run = this.maintenance.then(work);
    this.maintenance = run.catch(() => undefined);
    return run;
  }

  private background(what: string, work: () => Promise<void>): void {
    this.serialize(work).catch((err: unknown) => {
      if (!this.closed) this.onError(`embedded store: ${what} failed`, err);
    });
  }
}
