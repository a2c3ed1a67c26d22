import { availableParallelism } from 'node:os';
import { Index } from '@lancedb/lancedb';
import type { Table } from '@lancedb/lancedb';
import { IndexStatus } from '../domain/types.js';
import type { CollectionConfig } from '../domain/types.js';
import type { IndexBuilder, IndexBuilderKind } from './embedded-index-builder.js';
import { VECTOR_INDEX_NAME } from './embedded-index-job.js';
import type { VectorIndexSpec } from './embedded-index-job.js';
import { PayloadColumnIndexes } from './embedded-payload-indexes.js';
import type { ConcurrencyGate } from './embedded-scan-gate.js';
import { lanceDistanceType } from './embedded-scoring.js';
import { COMMIT_CONFLICT } from './lance-errors.js';
import type { PayloadColumn } from './lance-payload-columns.js';

export { VECTOR_INDEX_NAME };

/**
 * The vector index an embedded collection gets. `hnsw_sq` (IVF_HNSW_SQ) searches fastest and
 * most exactly but must fit in LanceDB's index cache: ~1.6 KB per 1,536-d point, re-read from
 * disk on every search when it does not. `ivf_rq` (IVF with 2-bit RaBitQ codes, re-ranked with
 * the stored vectors) searches from small partitions read as needed, so memory stays bounded
 * whatever the collection's size, and builds several times faster (docs/BENCHMARKS.md, "Index
 * kinds", "HNSW graph settings").
 */
export type VectorIndexKind = 'hnsw_sq' | 'ivf_rq';

/**
 * A policy's choice of kind: one of them, or `auto`, which indexes a collection as `hnsw_sq`
 * until it holds `ivfRqRows` points and as `ivf_rq` from then on. Past ~100,000 1,536-d points
 * an HNSW_SQ index outgrows its share of the cache and its builds take minutes, while IVF_RQ
 * kept recall@10 at 0.97-0.99 there; at 50,000 it fell to 0.92 (docs/BENCHMARKS.md, "Runs
 * `c48a09` and `5c8c10`").
 */
export type VectorIndexChoice = VectorIndexKind | 'auto';

interface IndexKindSpec {
  /** LanceDB's name for it, as `indexStats` reports it. */
  readonly lanceType: string;
  /** Plain data (see VectorIndexSpec): a builder process receives it as computed here. */
  readonly config: (distanceType: 'dot' | 'l2', policy: VectorIndexPolicy) => VectorIndexSpec;
  /** Candidates re-ranked with full vectors: `limit * refineFactor`. */
  readonly refineFactor: number;
}

/** Re-ranking keeps recall@10 ≥ 0.95 on 1,536-d clustered data at the default breadths. */
const INDEX_KINDS: Readonly<Record<VectorIndexKind, IndexKindSpec>> = {
  hnsw_sq: {
    lanceType: 'IVF_HNSW_SQ',
    config: (distanceType, policy) => ({
      type: 'hnswSq',
      options: { distanceType, m: policy.hnswM, efConstruction: policy.hnswEfConstruction },
    }),
    refineFactor: 5,
  },
  ivf_rq: {
    lanceType: 'IVF_RQ',
    config: (distanceType) => ({ type: 'ivfRq', options: { distanceType, numBits: 2 } }),
    refineFactor: 20,
  },
};

const KIND_NAMES = Object.keys(INDEX_KINDS) as VectorIndexKind[];

/** When and how the embedded store indexes a collection (see CollectionIndexer). */
export interface VectorIndexPolicy {
  readonly kind: VectorIndexChoice;
  /** `auto` only: from this many points a collection's index is (re)built as `ivf_rq`. */
  readonly ivfRqRows: number;
  /** A collection gets a vector index once it holds this many points. */
  readonly thresholdRows: number;
  /** The index is updated once this many rows are unindexed. */
  readonly updateRows: number;
  /** ...or once writes have been quiet this long with any rows unindexed. */
  readonly quietMs: number;
  /** A BTREE index on `id` is built once a table holds this many rows. */
  readonly idIndexRows: number;
  /** The id index is rebuilt once this many rows were written since it was built... */
  readonly idRefreshRows: number;
  /**
   * ...and, while no write since has looked ids up (only appends of new ids), once this share
   * of the table is new to it. Appends never ask the id index, and each rebuild reads every id:
   * rebuilt every `idRefreshRows` during a bulk load, it cost O(rows) per few thousand rows.
   */
  readonly idRefreshShare: number;
  /** Upserts ask an in-memory filter of known ids first (KnownIds); off only to measure it. */
  readonly idFilter: boolean;
  /**
   * Vector index builds and updates wait while writes keep arriving (less than `quietMs`
   * apart), at most this long after they became due. A build that meets a bulk load slows it
   * and ends later than one run after it: over 1M points, deferred at most 30 s against
   * 10 minutes, the index was green 219-235 s after the first write against 133-144 s
   * (docs/BENCHMARKS.md, "Index work beside a bulk load").
   */
  readonly maxDeferMs: number;
  /**
   * Each update adds a delta segment that every search visits (LanceDB's `optimize()` as the
   * Node binding runs it never merges them), so past this many the index is rebuilt as one.
   */
  readonly maxIndexSegments: number;
  /** `hnsw_sq`'s graph: neighbours per node and the breadth of its build. */
  readonly hnswM: number;
  readonly hnswEfConstruction: number;
  /** Default HNSW search breadth of `hnsw_sq` (a query's `hnswEf` overrides it). */
  readonly ef: number;
  /** Default IVF partitions an `ivf_rq` search visits (a query's `hnswEf` overrides it). */
  readonly nprobes: number;
  /** Where builds, updates and compactions run (see IndexBuilderKind). */
  readonly builder: IndexBuilderKind;
  /** Builder processes of the store running at once (`process` builder); the rest queue. */
  readonly maxBuilderProcesses: number;
  /** A failed vector index build, rebuild or update is retried this long after the failure. */
  readonly buildRetryMs: number;
}

/**
 * Defaults measured on 1,536-d clustered data (docs/BENCHMARKS.md, "Embedded store index"):
 * below 20,000 points a flat scan takes ~50 ms, less than the index's build would cost per
 * write burst; ef 128 with refine 5 kept recall@10 at 0.99-1.0 there. LanceDB makes an IVF
 * partition per ~4,096 rows (244 at 1M), so 20 partitions are every one below ~80k rows and
 * a twelfth of a million, where recall@10 stayed 1.0 ("IVF_RQ at 1,000,000 points").
 * The HNSW graph is built with Qdrant's defaults (m 16, ef_construct 100), not LanceDB's
 * (20, 300): half the build time below 100,000 points, recall@10 0.987-0.996 ("HNSW graph
 * settings").
 */
export const DEFAULT_VECTOR_INDEX_POLICY: VectorIndexPolicy = {
  kind: 'auto',
  ivfRqRows: 100_000,
  thresholdRows: 20_000,
  updateRows: 10_000,
  quietMs: 5_000,
  idIndexRows: 10_000,
  idRefreshRows: 8_192,
  idRefreshShare: 0.1,
  idFilter: true,
  maxDeferMs: 600_000,
  maxIndexSegments: 8,
  hnswM: 16,
  hnswEfConstruction: 100,
  ef: 128,
  nprobes: 20,
  builder: 'process',
  maxBuilderProcesses: availableParallelism(),
  buildRetryMs: 60_000,
};

export const ID_INDEX_NAME = 'id_idx';

/**
 * Small fragments (one per write) from which a table is compacted once its vector index is
 * built, or when it is opened with one: the store compacts every 1,024 writes, and a bulk load
 * whose index work waited for its end left 977 fragments at 1M points, which made every search
 * pay per fragment (docs/BENCHMARKS.md, "Index work beside a bulk load").
 */
const COMPACT_INDEXED_FRAGMENTS = 64;

/** How a search uses the vector index: `undefined` means an exact (flat) scan. */
export interface AnnOptions {
  readonly kind: VectorIndexKind;
  /** HNSW's ef for `hnsw_sq`, the IVF partitions visited for `ivf_rq`. */
  readonly breadth: number;
  readonly refineFactor: number;
}

/** What getCollection reports about indexing. */
export interface IndexReport {
  readonly indexedVectorsCount: number;
  readonly status: IndexStatus;
}

type Phase = 'none' | 'building' | 'ready' | 'failed';

/**
 * Keeps one table's indexes. The id index (BTREE) is built once the table is large enough and
 * rebuilt whenever enough rows were written since: LanceDB's `mergeInsert` looks ids up in it
 * and reads every row it does not cover in full (vectors included), so a stale id index makes
 * each write cost more as the table grows. It takes ~0.3-0.4 s per 1M ids and runs on its own,
 * beside the vector index work; during appends of new ids alone, which never ask it, it is
 * rebuilt only once a tenth of the table is new to it.
 *
 * The vector index (see VectorIndexKind) is built once the table crosses the threshold, then new rows
 * are folded in with `optimize()` (an index update that adds a delta, never a rebuild) once
 * enough are unindexed. Both are CPU-heavy, so while writes keep arriving they wait for a
 * pause (`quietMs`), at most `maxDeferMs`: an ingest stream is not starved by them.
 * All of it runs beside the write queue: LanceDB commits an index build or an optimize
 * concurrently with appends and merges, and searches merge rows the index does not cover yet
 * with an exact scan of them, so an acknowledged point is never invisible. The vector index work
 * and optimize() run through the IndexBuilder (by default a low-priority child process).
 */
export class CollectionIndexer {
  private phase: Phase = 'none';
  private hasIdIndex = false;
  private idIndexBuilding = false;
  /** Rows written since the id index was last built (LanceDB scans them on every merge). */
  private idStaleRows = 0;
  /** A write since the id index's last build merged or deleted rows by id. */
  private idLookedUp = false;
  private idWork: Promise<void> = Promise.resolve();
  private updating = false;
  private pendingRows = 0;
  /** The index has more segments than the policy allows: a rebuild is due. */
  private mergeDue = false;
  /** The kind of the index searches use now (read from LanceDB, not assumed from the policy). */
  private builtKind: VectorIndexKind | undefined;
  private rows = 0;
  /** When vector index work became due while writes kept it waiting. */
  private dueSinceMs: number | undefined;
  private quietTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  /** When a build, rebuild or update last failed: the next try waits `buildRetryMs` from then. */
  private failedAtMs = Number.NEGATIVE_INFINITY;
  /** Vector index work on this table, one task at a time: builds and optimizes conflict. */
  private maintenance: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly distanceType: 'dot' | 'l2' | undefined;
  private readonly payloadIndexes: PayloadColumnIndexes;

  constructor(
    private readonly table: Table,
    config: CollectionConfig,
    private readonly policy: VectorIndexPolicy,
    /** Runs the vector index builds; the store's `optimize` runs through it too. */
    private readonly builder: IndexBuilder,
    /** Runs `optimize()` on the table (compaction and index update together, in LanceDB). */
    private readonly optimize: () => Promise<void>,
    private readonly onError: (message: string, err: unknown) => void,
    /** The process's scalar index builds, one at a time (see SCALAR_INDEX_BUILDS). */
    private readonly scalarBuilds: ConcurrencyGate,
    payloadColumns: readonly PayloadColumn[] = [],
  ) {
    // Cosine vectors are stored normalized, so cosine is indexed (and searched) as dot.
    this.distanceType = lanceDistanceType(config.distance);
    this.payloadIndexes = new PayloadColumnIndexes(
      table,
      payloadColumns,
      { minRows: policy.idIndexRows, refreshRows: policy.idRefreshRows },
      onError,
      scalarBuilds,
    );
  }

  /** Reads which indexes exist and starts whatever work is due for a table of `rows`. */
  async start(rows: number): Promise<void> {
    const indices = await this.table.listIndices();
    await this.payloadIndexes.start(indices.map((i) => i.name));
    this.hasIdIndex = indices.some((i) => i.name === ID_INDEX_NAME);
    if (this.hasIdIndex) {
      const stats = await this.table.indexStats(ID_INDEX_NAME);
      this.idStaleRows = stats?.numUnindexedRows ?? 0;
    }
    if (indices.some((i) => i.name === VECTOR_INDEX_NAME)) {
      this.phase = 'ready';
      await this.readVectorIndexStats();
      // Yellow until it is known whether the table needs compacting, and until it is done.
      this.updating = true;
      // One with unindexed rows is compacted by their update, once writes pause.
      this.background('compaction after opening', () =>
        this.compactIfFragmented(() => Promise.resolve(this.pendingRows === 0)),
      );
    }
    this.afterWrite(rows, 0);
  }

  /** The search's use of the index: none when exact is asked for or there is no index yet. */
  annOptions(params: { exact?: boolean; hnswEf?: number } | undefined): AnnOptions | undefined {
    if (params?.exact === true || this.phase !== 'ready') return undefined;
    const kind = this.builtKind ?? this.wantedKind();
    const breadth = kind === 'hnsw_sq' ? this.policy.ef : this.policy.nprobes;
    return {
      kind,
      breadth: params?.hnswEf ?? breadth,
      refineFactor: INDEX_KINDS[kind].refineFactor,
    };
  }

  /** True once the table holds enough rows for a vector index, whether or not it has one yet. */
  indexSized(): boolean {
    return this.rows >= this.policy.thresholdRows;
  }

  /**
   * Records a commit that left `rows` live rows and wrote `writtenRows`; `lookedUp`: it found
   * rows by id (a merge or a delete). Schedules due work.
   */
  afterWrite(rows: number, writtenRows: number, lookedUp = false): void {
    if (this.closed) return;
    this.rows = rows;
    this.idLookedUp ||= lookedUp;
    this.maintainIdIndex(writtenRows);
    this.payloadIndexes.afterWrite(rows, writtenRows);
    if (this.distanceType === undefined) return; // Manhattan: LanceDB has no such index.
    if (this.phase === 'ready') this.pendingRows += writtenRows;
    this.schedule();
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

  /** Starts deferred work now; resolves once no background work is left. */
  async settled(): Promise<void> {
    for (;;) {
      const current = this.maintenance;
      const idWork = this.idWork;
      await current;
      await idWork;
      await this.payloadIndexes.settled();
      const pending =
        this.phase === 'ready' &&
        (this.pendingRows > 0 || this.rebuildDue()) &&
        !this.updating &&
        !this.backingOff();
      if (!this.closed && (this.dueSinceMs !== undefined || pending)) {
        this.startVectorWork();
        continue;
      }
      if (this.maintenance === current && this.idWork === idWork) return;
    }
  }

  /**
   * Stops scheduling work, ends a builder process, and waits for the work already running
   * (drop the table after).
   */
  async stop(): Promise<void> {
    await this.close();
    await this.maintenance;
    await this.idWork;
    await this.payloadIndexes.stop();
  }

  /**
   * Stops scheduling work and ends a builder process; resolves once it exited. Inline builds
   * already running finish on their own.
   */
  close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.quietTimer);
    clearTimeout(this.retryTimer);
    return this.builder.stop();
  }

  private maintainIdIndex(writtenRows: number): void {
    if (this.hasIdIndex) this.idStaleRows += writtenRows;
    if (this.idIndexBuilding) return;
    const { idRefreshRows, idRefreshShare, idIndexRows } = this.policy;
    const appendsOnly = this.idLookedUp ? 0 : this.rows * idRefreshShare;
    const due = this.hasIdIndex
      ? this.idStaleRows >= Math.max(idRefreshRows, appendsOnly)
      : this.rows >= idIndexRows;
    if (!due) return;
    this.idIndexBuilding = true;
    const lookedUp = this.idLookedUp;
    this.idLookedUp = false;
    const covered = this.idStaleRows;
    this.idWork = this.scalarBuilds
      .run(async () => {
        // Queued behind other tables' builds: a table closed meanwhile is not worth indexing.
        if (this.closed) return;
        await this.table.createIndex('id', {
          name: ID_INDEX_NAME,
          config: Index.btree(),
          replace: true,
        });
      })
      .then(
        () => {
          this.hasIdIndex = true;
          this.idStaleRows = Math.max(0, this.idStaleRows - covered);
        },
        (err: unknown) => {
          this.idLookedUp ||= lookedUp;
          // A concurrent commit that won (a compaction) is retried on a later write.
          if (!this.closed && !COMMIT_CONFLICT.test(String(err))) {
            this.onError('embedded store: id index build failed', err);
          }
        },
      )
      .finally(() => {
        this.idIndexBuilding = false;
      });
  }

  /** Vector index work is due: a build past the threshold, or enough unindexed rows. */
  private vectorWorkDue(): boolean {
    const retry =
      this.phase === 'failed' && Date.now() - this.failedAtMs >= this.policy.buildRetryMs;
    if ((this.phase === 'none' || retry) && this.rows >= this.policy.thresholdRows) return true;
    if (this.phase !== 'ready' || this.updating || this.backingOff()) return false;
    return this.rebuildDue() || this.pendingRows >= this.policy.updateRows;
  }

  /**
   * Within `buildRetryMs` of a failed build, rebuild or update, no index work starts on a write
   * or a pause: the retry timer schedules it (an explicit compaction still runs).
   */
  private backingOff(): boolean {
    return Date.now() - this.failedAtMs < this.policy.buildRetryMs;
  }

  /** The kind the index should be now; `auto` never goes back from `ivf_rq` once there. */
  private wantedKind(): VectorIndexKind {
    const { kind, ivfRqRows } = this.policy;
    if (kind !== 'auto') return kind;
    return this.rows >= ivfRqRows || this.builtKind === 'ivf_rq' ? 'ivf_rq' : 'hnsw_sq';
  }

  /**
   * Too many delta segments, or an index of another kind than is wanted now; a rebuild that
   * failed is tried again `buildRetryMs` later, not at every pause in the writes.
   */
  private rebuildDue(): boolean {
    if (this.backingOff()) return false;
    const otherKind = this.builtKind !== undefined && this.builtKind !== this.wantedKind();
    return this.mergeDue || otherKind;
  }

  /** Due work starts after `quietMs` without writes, or at once when deferred too long. */
  private schedule(): void {
    if (this.closed) return;
    if (this.vectorWorkDue()) {
      const now = Date.now();
      this.dueSinceMs ??= now;
      if (now - this.dueSinceMs >= this.policy.maxDeferMs) return this.startVectorWork();
    } else if (!(this.phase === 'ready' && this.pendingRows > 0) || this.backingOff()) {
      return;
    }
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.startVectorWork(), this.policy.quietMs);
    this.quietTimer.unref();
  }

  private startVectorWork(): void {
    clearTimeout(this.quietTimer);
    this.dueSinceMs = undefined;
    // A quiet timer armed before a failure must not start work early: the retry timer will.
    if (this.closed || this.backingOff()) return;
    const buildable = this.phase === 'none' || this.phase === 'failed';
    if (buildable && this.rows >= this.policy.thresholdRows) {
      this.phase = 'building';
      this.background('vector index build', () => this.buildVectorIndex());
    } else if (this.phase === 'ready' && this.rebuildDue() && !this.updating) {
      this.updating = true;
      this.background('vector index rebuild', () =>
        this.updateWith(() => this.rebuild(), 'rebuilds'),
      );
    } else if (this.phase === 'ready' && this.pendingRows > 0) {
      this.update();
    }
  }

  /** Builds the wanted kind; searches use its settings as soon as the build has committed. */
  private async createVectorIndex(): Promise<void> {
    const kind = this.wantedKind();
    await this.builder.run({
      op: 'vector-index',
      spec: INDEX_KINDS[kind].config(this.distanceType!, this.policy),
    });
    this.builtKind = kind;
  }

  /** A rebuild (merged segments or another kind) while the old index serves searches. */
  private async rebuild(): Promise<void> {
    try {
      await this.createVectorIndex();
    } catch (err) {
      this.failedAtMs = Date.now();
      this.retryLater();
      throw err;
    }
  }

  private async readVectorIndexStats(): Promise<void> {
    const stats = await this.table.indexStats(VECTOR_INDEX_NAME);
    this.pendingRows = stats?.numUnindexedRows ?? 0;
    this.builtKind = KIND_NAMES.find((kind) => INDEX_KINDS[kind].lanceType === stats?.indexType);
    this.mergeDue = (stats?.numIndices ?? 1) > this.policy.maxIndexSegments;
  }

  private async buildVectorIndex(): Promise<void> {
    try {
      await this.createVectorIndex();
    } catch (err) {
      // Another handle on this table (a store closed mid-build, another process) committed
      // its own build first: that index serves as well as ours would have.
      if (!(COMMIT_CONFLICT.test(String(err)) && (await this.hasVectorIndex()))) {
        this.phase = 'failed';
        this.failedAtMs = Date.now();
        this.retryLater();
        throw err;
      }
    }
    // Yellow until the new index's stats are read and a fragmented table is compacted.
    this.updating = true;
    this.phase = 'ready';
    await this.afterIndexCommit();
  }

  /** After a build or rebuild committed, with `updating` set. */
  private afterIndexCommit(): Promise<void> {
    return this.compactIfFragmented(async () => {
      // Rows written during the build are not in it.
      await this.readVectorIndexStats();
      return true;
    });
  }

  /**
   * With `updating` set: compacts the table at once (its index updated too) when `wanted` says
   * so and it is in small fragments, the status yellow until that is done, as Qdrant's stays
   * while it optimizes; otherwise clears `updating` and schedules what is due. A table indexed
   * but left in small fragments (a bulk load whose build waited for its end, or a version that
   * did not compact after its build) makes every search pay per fragment until its next 1,024
   * writes.
   */
  private async compactIfFragmented(wanted: () => Promise<boolean>): Promise<void> {
    let compact = false;
    try {
      if ((await wanted()) && !this.closed) {
        const { fragmentStats } = await this.table.stats();
        compact = fragmentStats.numSmallFragments >= COMPACT_INDEXED_FRAGMENTS;
      }
    } finally {
      if (!compact) this.updating = false;
    }
    if (compact) this.runUpdate();
    else this.schedule();
  }

  /** Failed index work is retried after `buildRetryMs` even if no write comes to schedule it. */
  private retryLater(): void {
    clearTimeout(this.retryTimer);
    if (this.closed) return;
    this.retryTimer = setTimeout(() => {
      // Timers and Date.now() keep different clocks: the wait is over when this fires.
      this.failedAtMs = Number.NEGATIVE_INFINITY;
      this.schedule();
    }, this.policy.buildRetryMs);
    this.retryTimer.unref();
  }

  private async hasVectorIndex(): Promise<boolean> {
    await this.table.checkoutLatest();
    return (await this.table.listIndices()).some((i) => i.name === VECTOR_INDEX_NAME);
  }

  private update(): void {
    if (this.updating || this.closed) return;
    this.updating = true;
    this.runUpdate();
  }

  /**
   * Queues optimize() (compaction and index update); `updating` is already set. One that fails
   * leaves its rows unindexed (searched exactly) and is tried again `buildRetryMs` later, even
   * if no write comes to schedule it: a table idle after its bulk load would stay yellow.
   */
  private runUpdate(): void {
    const rows = this.pendingRows;
    this.pendingRows = 0;
    this.background('vector index update', async () => {
      try {
        await this.updateWith(this.optimize, 'compacts');
      } catch (err) {
        // At least one, so that schedule() and settled() see work to retry: a compaction after
        // a build or an open may have had no unindexed rows to take.
        this.pendingRows += Math.max(rows, 1);
        this.failedAtMs = Date.now();
        this.retryLater();
        throw err;
      }
    });
  }

  /**
   * Runs an update (optimize(), which compacts too) or a rebuild the old index serves searches
   * during, which leaves the fragments as they were; `updating` is set until it is done.
   */
  private async updateWith(
    work: () => Promise<void>,
    kind: 'compacts' | 'rebuilds',
  ): Promise<void> {
    // Queued before a close or a delete: not worth running any more.
    if (this.closed) {
      this.updating = false;
      return;
    }
    try {
      await work();
    } catch (err) {
      this.updating = false;
      throw err;
    }
    if (kind === 'rebuilds') return this.afterIndexCommit();
    try {
      await this.readVectorIndexStats();
    } finally {
      this.updating = false;
    }
    this.schedule();
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
