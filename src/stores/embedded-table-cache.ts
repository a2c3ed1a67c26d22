import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import { VectorAdminError } from '../domain/errors.js';
import type { CollectionConfig } from '../domain/types.js';
import { CompactionTracker } from './embedded-compaction.js';
import type { CollectionIndexer } from './embedded-index.js';
import { KnownIds } from './embedded-known-ids.js';
import { collectionSchema, configFromSchema } from './lance-arrow.js';
import { payloadColumns } from './lance-payload-columns.js';
import type { PayloadColumn } from './lance-payload-columns.js';
import { collectionNotFound, toStoreError } from './lance-errors.js';

/** An open table and what never changes about it. */
export interface OpenCollection {
  readonly table: Table;
  readonly config: CollectionConfig;
  /** The schema batches are built with (the table's, config included). */
  readonly schema: Schema;
  /** The declared payload indexes the table has columns for (lance-payload-columns.ts). */
  readonly payloadColumns: readonly PayloadColumn[];
  /** The table directory's identity, so a table dropped and recreated elsewhere is reopened. */
  readonly identity: string;
  /** Decides when to compact this table. */
  readonly compaction: CompactionTracker;
  /** Builds and updates this table's indexes in the background. */
  readonly indexer: CollectionIndexer;
  /** The ids this table may hold, so upserts of new ids skip the id query. */
  readonly knownIds: KnownIds;
}

/** Makes the indexer of a table just opened. */
export type IndexerFactory = (
  name: string,
  table: Table,
  config: CollectionConfig,
  payloadColumns: readonly PayloadColumn[],
) => CollectionIndexer;

/**
 * Open LanceDB tables by collection name. Every lookup stats the table directory (a few µs)
 * so a table dropped or recreated by another process is never served from a stale handle.
 */
export class LanceTableCache {
  private readonly tables = new Map<string, Promise<OpenCollection>>();

  constructor(
    private readonly db: Connection,
    private readonly dataDir: string,
    private readonly idFilter: boolean,
    private readonly makeIndexer: IndexerFactory,
  ) {}

  /** The open collection, reopened when its directory changed; not_found when missing. */
  async get(name: string): Promise<OpenCollection> {
    const identity = await this.identity(name);
    if (identity === undefined) {
      this.evict(name);
      throw collectionNotFound(name);
    }
    const cached = this.tables.get(name);
    if (cached !== undefined) {
      const open = await cached.catch(() => undefined);
      if (open?.identity === identity) return open;
      if (this.tables.get(name) === cached) this.evict(name);
    }
    const opening = this.open(name, identity);
    this.tables.set(name, opening);
    opening.catch(() => {
      if (this.tables.get(name) === opening) this.tables.delete(name);
    });
    return this.guard(name, 'open a collection', () => opening);
  }

  /** Identity of the table directory (device, inode, birth time); undefined when missing. */
  async identity(name: string): Promise<string | undefined> {
    try {
      const s = await stat(path.join(this.dataDir, `${name}.lance`, '_versions'));
      return `${s.dev}:${s.ino}:${s.birthtimeMs}`;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw toStoreError(err, `open collection "${name}"`);
    }
  }

  /** The open collection when one is cached (opened or opening), without opening one. */
  async cached(name: string): Promise<OpenCollection | undefined> {
    return this.tables.get(name)?.catch(() => undefined);
  }

  /** Forgets a table and closes its handle. */
  evict(name: string): void {
    void this.release(name);
  }

  /** Closes every cached handle; resolves once nothing of theirs writes to the data dir. */
  async closeAll(): Promise<void> {
    await Promise.all([...this.tables.keys()].map((name) => this.release(name)));
  }

  private async release(name: string): Promise<void> {
    const cached = this.tables.get(name);
    this.tables.delete(name);
    const open = await cached?.catch(() => undefined);
    if (open === undefined) return;
    // An id index build in flight commits to the table directory after a mere close, and a
    // caller may remove the directory next (the bench does: ENOTEMPTY on its _transactions).
    await open.indexer.stop();
    open.table.close();
  }

  /** Runs `fn`, translating failures; a failure on a table that vanished is not_found. */
  async guard<T>(name: string, action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (err instanceof VectorAdminError) throw err;
      if ((await this.identity(name).catch(() => '')) === undefined) {
        this.evict(name);
        throw collectionNotFound(name, err);
      }
      throw toStoreError(err, action);
    }
  }

  private async open(name: string, identity: string): Promise<OpenCollection> {
    const table = await this.db.openTable(name);
    const stored = await table.schema();
    const config = configFromSchema(stored, name);
    const columns = payloadColumns(stored, config);
    const rows = await table.countRows();
    const indexer = this.makeIndexer(name, table, config, columns);
    await indexer.start(rows);
    const compaction = new CompactionTracker(rows);
    const knownIds = new KnownIds(table, rows, this.idFilter);
    const schema = collectionSchema(config, columns.length > 0);
    return {
      table,
      config,
      schema,
      payloadColumns: columns,
      identity,
      compaction,
      indexer,
      knownIds,
    };
  }
}
