import { constants } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Session, connect } from '@lancedb/lancedb';
import type { Connection, Table } from '@lancedb/lancedb';
import { ErrorCode, VectorAdminError } from '../domain/errors.js';
import type { LogFields, Logger } from '../domain/logger.js';
import { pointIdKey } from '../domain/point-id.js';
import { vectorSizeProblem } from '../domain/batch-validation.js';
import { KeyedQueue } from '../domain/keyed-queue.js';
import type { CreateCollectionOptions, VectorStore } from '../domain/ports.js';
import type {
  CollectionConfig,
  Filter,
  Point,
  PointSelector,
  RetrievedPoint,
  RetrieveQuery,
  ScoredPoint,
  SearchQuery,
  CollectionStorage,
  StoredCollection,
} from '../domain/types.js';
import { embeddedStorage } from './embedded-storage.js';
import { DEFAULT_COMPACTION_POLICY } from './embedded-compaction.js';
import { FreeSpaceGuard } from './embedded-free-space.js';
import type { CommitRows, CompactionPolicy } from './embedded-compaction.js';
import { CollectionIndexer, DEFAULT_VECTOR_INDEX_POLICY } from './embedded-index.js';
import { indexBuilder } from './embedded-index-builder.js';
import type { IndexBuilder } from './embedded-index-builder.js';
import type { VectorIndexPolicy } from './embedded-index.js';
import { retrievePoints } from './embedded-retrieve.js';
import { writeBatch } from './embedded-upsert.js';
import { scanPayloads, type PayloadScan } from './embedded-scan.js';
import { vectorSearch } from './embedded-search.js';
import { ConcurrencyGate, SCALAR_INDEX_BUILDS, SearchGates } from './embedded-scan-gate.js';
import { compileFilter } from './filter-match.js';
import { LanceTableCache } from './embedded-table-cache.js';
import type { IndexerFactory, OpenCollection } from './embedded-table-cache.js';
import { batchTable, collectionSchema, upsertColumns } from './lance-arrow.js';
import { idIn } from './lance-sql.js';
import { alreadyExists, toStoreError } from './lance-errors.js';
import { payloadPrefilter } from './lance-payload-columns.js';

/** Options of the embedded (LanceDB) store. */
export interface EmbeddedVectorStoreOptions {
  /** Directory holding one LanceDB table per collection; created when missing. */
  readonly dataDir: string;
  /** When to compact a table in the background; default DEFAULT_COMPACTION_POLICY. */
  readonly compaction?: CompactionPolicy;
  /** Compaction keeps superseded table versions this long for reads in flight; default 60 s. */
  readonly retainVersionsMs?: number;
  /** Filtered searches with up to this many matches prefilter by id; default 512 (tuning). */
  readonly filterInListMax?: number;
  /**
   * Searches that may run at once; default two per core. A search waits on reads and hands its
   * answer to the event loop, so two per core kept the cores busier: 94-106 QPS at concurrency 8
   * against 81-91 with one per core, over 300,000 indexed points (docs/BENCHMARKS.md, "Searches
   * at once").
   */
  readonly maxConcurrentSearches?: number;
  /**
   * Flat scans of tables large enough to be indexed that may run at once, within the limit
   * above; default 1. Each holds LanceDB's read-ahead over the whole vector column.
   */
  readonly maxLargeScans?: number;
  /**
   * Bytes LanceDB may cache: index partitions and file metadata (manifests, fragment
   * footers); default DEFAULT_CACHE_BYTES. LanceDB's own defaults (6 GB, 1 GB) let the
   * metadata cache grow with every table version a stream of writes makes.
   */
  readonly cacheBytes?: { readonly index: number; readonly metadata: number };
  /** When collections get a vector index and an id index; default DEFAULT_VECTOR_INDEX_POLICY. */
  readonly index?: Partial<VectorIndexPolicy>;
  /** Logs background failures (compaction, indexing), which never fail a caller; default console.error. */
  readonly logger?: Logger;
  /** Writes are refused (unavailable) while the data disk has less free; default 8 MiB. */
  readonly minFreeBytes?: number;
}

/** Default LanceDB cache sizes (see EmbeddedVectorStoreOptions.cacheBytes). */
export const DEFAULT_CACHE_BYTES = { index: 1024 * 1024 * 1024, metadata: 64 * 1024 * 1024 };

/**
 * LanceDB runs its compute (index builds, page decoding for writes and scans) on a pool of
 * `LANCE_CPU_THREADS` threads, by default the cores minus 2 kept for I/O, so 1 on a 2-core
 * machine: an index build's long tasks then queue every write's and search's behind them
 * (measured: ingest fell to 41 vectors/s during a build, 370 with 4 threads; docs/BENCHMARKS.md).
 * With more threads than cores the kernel time-slices them instead. Read once, at LanceDB's
 * first compute task, so it is set before the first connection; an explicit value wins.
 */
function setLanceEnvironment(): void {
  // Not configuration read here: a setting handed to LanceDB, which reads only its environment.
  // eslint-disable-next-line no-restricted-properties
  process.env['LANCE_CPU_THREADS'] ??= String(Math.max(4, availableParallelism()));
  // indexStats (read by every getCollection) would otherwise copy an IVF index's centroids,
  // which nothing here reads: 1,000 × 1,536 floats for a 1M-point collection.
  // eslint-disable-next-line no-restricted-properties
  process.env['LANCE_INCLUDE_VECTOR_CENTROIDS'] ??= 'false';
}

/** Creates the data directory and opens an embedded store on it. */
export async function createEmbeddedVectorStore(
  options: EmbeddedVectorStoreOptions,
): Promise<EmbeddedVectorStore> {
  const dataDir = path.resolve(options.dataDir);
  setLanceEnvironment();
  try {
    await mkdir(dataDir, { recursive: true });
    const cache = options.cacheBytes ?? DEFAULT_CACHE_BYTES;
    const session = new Session(BigInt(cache.index), BigInt(cache.metadata));
    return new EmbeddedVectorStore(await connect(dataDir, { session }), dataDir, options);
  } catch (err) {
    throw toStoreError(err, `open ${dataDir}`);
  }
}

/**
 * VectorStore on embedded LanceDB: one table per collection (id, vector, payload JSON), the
 * config in the table's schema metadata so it commits atomically with the table. Writes are
 * serialized per collection; compaction and indexing run beside them (CollectionIndexer).
 * Searches use the vector index once a collection has one, and are exact before.
 */
export class EmbeddedVectorStore implements VectorStore {
  private readonly tables: LanceTableCache;
  private readonly writes = new KeyedQueue();
  private readonly compaction: CompactionPolicy;
  private readonly retainVersionsMs: number;
  private readonly filterInListMax: number | undefined;
  private readonly searches: SearchGates;
  private readonly logBackgroundError: (message: string, fields: LogFields) => void;
  private readonly freeSpace: FreeSpaceGuard;
  private closed = false;

  constructor(
    private readonly db: Connection,
    private readonly dataDir: string,
    options: Omit<EmbeddedVectorStoreOptions, 'dataDir'> = {},
  ) {
    const policy = { ...DEFAULT_VECTOR_INDEX_POLICY, ...options.index };
    const builderProcesses = new ConcurrencyGate(policy.maxBuilderProcesses);
    const makeIndexer: IndexerFactory = (name, table, config, payloadColumns) => {
      const builder = indexBuilder(
        policy.builder,
        table,
        { dataDir, table: name },
        builderProcesses,
      );
      const optimize = () => this.optimize(name, table, builder);
      const onError = (message: string, err: unknown) => {
        if (err instanceof VectorAdminError && err.code === ErrorCode.NotFound) return;
        this.logBackgroundError(message, { collection: name, err });
      };
      return new CollectionIndexer(
        table,
        config,
        policy,
        builder,
        optimize,
        onError,
        SCALAR_INDEX_BUILDS,
        payloadColumns,
      );
    };
    this.tables = new LanceTableCache(db, dataDir, policy.idFilter, makeIndexer);
    this.compaction = options.compaction ?? DEFAULT_COMPACTION_POLICY;
    this.retainVersionsMs = options.retainVersionsMs ?? 60_000;
    this.filterInListMax = options.filterInListMax;
    this.searches = new SearchGates(
      options.maxConcurrentSearches ?? 2 * availableParallelism(),
      options.maxLargeScans ?? 1,
    );
    this.freeSpace = new FreeSpaceGuard(dataDir, options.minFreeBytes);
    const logger = options.logger;
    this.logBackgroundError =
      logger === undefined
        ? (m, fields) => console.error(m, fields)
        : (m, fields) => logger.error(m, fields);
  }

  /** `options.tenantKey` is ignored: filters scan every payload, there are no payload indexes. */
  async createCollection(
    name: string,
    config: CollectionConfig,
    _options?: CreateCollectionOptions,
  ): Promise<void> {
    return this.enqueue(name, async () => {
      await this.freeSpace.assertWritable('create a collection');
      const exists = async () => (await this.tables.identity(name)) !== undefined;
      if (await exists()) throw alreadyExists(name);
      try {
        await this.db.createEmptyTable(name, collectionSchema(config));
      } catch (err) {
        // Another process may have created it since the check.
        if (await exists()) throw alreadyExists(name, err);
        throw toStoreError(err, 'create a collection');
      }
    });
  }

  async getCollection(name: string): Promise<StoredCollection | undefined> {
    try {
      return await this.tables.guard(name, 'describe a collection', async () => {
        const open = await this.collection(name);
        const pointsCount = await open.table.countRows();
        return {
          name,
          config: open.config,
          pointsCount,
          ...(await open.indexer.report(pointsCount)),
        };
      });
    } catch (err) {
      if (err instanceof VectorAdminError && err.code === ErrorCode.NotFound) return undefined;
      throw err;
    }
  }

  async listCollections(prefix: string): Promise<string[]> {
    this.assertOpen();
    try {
      const names: string[] = [];
      for (let page = await this.db.tableNames(); page.length > 0;) {
        names.push(...page);
        page = await this.db.tableNames({ startAfter: page[page.length - 1]! });
      }
      return names.filter((n) => n.startsWith(prefix)).sort();
    } catch (err) {
      throw toStoreError(err, 'list collections');
    }
  }

  async describeStorage(names: readonly string[]): Promise<CollectionStorage[]> {
    this.assertOpen();
    const described: CollectionStorage[] = [];
    for (const name of names) {
      const storage = await embeddedStorage(this.dataDir, name);
      if (storage !== undefined) described.push(storage);
    }
    return described;
  }

  async deleteCollection(name: string): Promise<boolean> {
    return this.enqueue(name, () =>
      this.tables.guard(name, 'delete a collection', async () => {
        // An index build or optimize still writing into the table's directory would race the
        // drop and could leave files in a table recreated under the same name: a builder
        // process is ended, an inline build awaited.
        await (await this.tables.cached(name))?.indexer.stop();
        this.tables.evict(name);
        if ((await this.tables.identity(name)) === undefined) return false;
        try {
          await this.db.dropTable(name);
        } catch (err) {
          if ((await this.tables.identity(name)) === undefined) return false;
          throw err;
        }
        return true;
      }),
    );
  }

  async upsert(name: string, points: readonly Point[]): Promise<void> {
    // Queued at once (call order), but the batch is built now, while the writes ahead run.
    const prepared = this.collection(name).then((open) => ({
      open,
      columns: upsertColumns(points, open.config, open.payloadColumns),
    }));
    prepared.catch(() => undefined); // Awaited by the task below; this marks it handled.
    await this.enqueue(name, () =>
      this.tables.guard(name, 'upsert points', async () => {
        await this.freeSpace.assertWritable('upsert points');
        const { open: before, columns } = await prepared;
        const open = await this.tables.get(name);
        if (points.length === 0) return;
        const data =
          open === before ? columns : upsertColumns(points, open.config, open.payloadColumns);
        const commit = await writeBatch(
          open.table,
          open.knownIds,
          data.ids,
          batchTable(open.schema, data),
        );
        this.afterWrite(name, open, commit);
      }),
    );
  }

  async deletePoints(name: string, selector: PointSelector): Promise<void> {
    await this.enqueue(name, () =>
      this.tables.guard(name, 'delete points', async () => {
        // Deleting rows writes deletion files; dropping a whole collection frees space.
        await this.freeSpace.assertWritable('delete points');
        const open = await this.tables.get(name);
        const keys = new Set((selector.ids ?? []).map(pointIdKey));
        if (selector.filter !== undefined) {
          const scan = await scanByFilter(open, selector.filter, Infinity);
          for (const key of scan.ids) keys.add(key);
        }
        if (keys.size === 0) return;
        const where = idIn([...keys]);
        const { numDeletedRows } = await open.table.delete(where);
        this.afterWrite(name, open, { inserted: 0, updated: 0, deleted: numDeletedRows });
      }),
    );
  }

  async search(name: string, query: SearchQuery): Promise<ScoredPoint[]> {
    return this.tables.guard(name, 'search', async () => {
      const open = await this.collection(name);
      const problem = vectorSizeProblem(query.vector.length, open.config.vectorSize);
      if (problem !== undefined) throw VectorAdminError.invalidField('vector', problem);
      const ann = open.indexer.annOptions(query.params);
      const largeScan = ann === undefined && open.indexer.indexSized();
      return this.searches.run(largeScan, () =>
        vectorSearch(open, query, ann, this.filterInListMax),
      );
    });
  }

  async retrieve(name: string, query: RetrieveQuery): Promise<RetrievedPoint[]> {
    return this.tables.guard(name, 'retrieve points', async () => {
      const open = await this.collection(name);
      return retrievePoints(open.table, open.config.vectorSize, query);
    });
  }

  async count(name: string, filter: Filter | undefined, _exact: boolean): Promise<number> {
    // Always exact: a scan of the payload column is cheap next to any vector work.
    return this.tables.guard(name, 'count points', async () => {
      const open = await this.collection(name);
      if (filter === undefined) return open.table.countRows();
      return (await scanByFilter(open, filter, 0)).matches;
    });
  }

  async ping(): Promise<void> {
    this.assertOpen();
    try {
      await access(this.dataDir, constants.R_OK | constants.W_OK);
    } catch (err) {
      const message = 'embedded store data directory is not writable';
      throw new VectorAdminError(ErrorCode.Unavailable, message, { cause: err });
    }
    await this.freeSpace.assertWritable('write');
  }

  /** Compacts a collection's table (and updates its indexes) once its pending writes landed. */
  async compact(name: string): Promise<void> {
    const open = await this.enqueue(name, () => this.tables.get(name));
    await this.tables.guard(name, 'compact', () => open.indexer.optimizeNow());
  }

  /**
   * Resolves once the writes and background maintenance (compaction, index builds and
   * updates) queued so far on a collection have finished: for tests and benchmarks.
   */
  async maintenanceSettled(name: string): Promise<void> {
    const open = await this.enqueue(name, () => this.tables.get(name));
    await Promise.all([open.indexer.settled(), open.knownIds.settled()]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes.drain();
    // Builder processes end with the store.
    await this.tables.closeAll();
    this.db.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private afterWrite(name: string, open: OpenCollection, commit: CommitRows): void {
    const due = open.compaction.record(commit, this.compaction);
    const lookedUp = commit.updated + commit.deleted > 0;
    open.indexer.afterWrite(open.compaction.rows, commit.inserted + commit.updated, lookedUp);
    if (!due) return;
    // Beside the write queue: LanceDB commits a compaction concurrently with writes.
    open.indexer.optimizeNow().catch((err: unknown) => {
      if (err instanceof VectorAdminError && err.code === ErrorCode.NotFound) return;
      this.logBackgroundError('embedded store: compaction failed', { collection: name, err });
    });
  }

  /** Compacts the table, updates its indexes and drops versions older than the retention. */
  private optimize(name: string, table: Table, builder: IndexBuilder): Promise<void> {
    return this.tables.guard(name, 'compact', async () => {
      if (this.closed) return;
      await builder.run({ op: 'optimize', retainVersionsMs: this.retainVersionsMs });
      const open = await this.tables.get(name);
      if (open.table === table) open.compaction.reset(await table.countRows());
    });
  }

  /** Queues a write; queued writes still run when close() is called after them. */
  private enqueue<T>(name: string, task: () => Promise<T>): Promise<T> {
    this.assertOpen();
    return this.writes.run(name, task);
  }

  private collection(name: string): Promise<OpenCollection> {
    this.assertOpen();
    return this.tables.get(name);
  }

  private assertOpen(): void {
    if (this.closed) throw new VectorAdminError(ErrorCode.Unavailable, 'embedded store is closed');
  }
}

/** The payload scan of `filter`, narrowed by its prefilter on payload index columns. */
function scanByFilter(open: OpenCollection, filter: Filter, idLimit: number): Promise<PayloadScan> {
  const prefilter = payloadPrefilter(filter, open.payloadColumns);
  return scanPayloads(open.table, compileFilter(filter), idLimit, prefilter);
}
