import { hasErrorCode } from './errors.js';
import type { CollectionService } from './collection-service.js';
import type { CollectionView } from './placement.js';
import type { VectorStore, WriteActivity, WriteActivitySource } from './ports.js';
import type { TableEntry } from './table-inventory.js';
import { Tenancy, type CollectionStorage } from './types.js';

/** How an analysis orders its rows. */
export const AnalysisSort = {
  /** By tenant, then table. */
  Table: 'table',
  /** Largest physical collection first (bytes on disk, or Qdrant's estimate). */
  Size: 'size',
  /** Highest recent write rate first, then the latest write; rows without activity last. */
  Activity: 'activity',
} as const;
export type AnalysisSort = (typeof AnalysisSort)[keyof typeof AnalysisSort];

/** Which rows of an analysis to describe. */
export interface AnalysisQuery {
  /** Only this tenant's tables; every tenant's when unset. */
  readonly tenantId?: string;
  readonly sort: AnalysisSort;
  /** Rows before this page. */
  readonly offset: number;
  readonly pageSize: number;
}

/** One tenant's table with its figures (GetCollection's) and its physical collection's. */
export interface AnalysisRow {
  readonly view: CollectionView;
  /** Of the physical collection; for a shared table the whole shared collection's. */
  readonly storage?: CollectionStorage;
  readonly sharedMembers?: number;
  /** Points of the physical collection: every member's, for a shared table. */
  readonly collectionPointsCount: number;
  readonly activity?: WriteActivity;
}

/** One page of an analysis. */
export interface AnalysisPage {
  readonly rows: AnalysisRow[];
  /** Offset of the next page; unset on the last one. */
  readonly nextOffset?: number;
  /** Rows of all pages. */
  readonly totalSize: number;
}

/**
 * The analysis view across tenants (issue 15): every tenant's tables with the figures
 * GetCollection gives, the store's footprint of the collection holding each, and the write
 * activity the metrics consumer summarized. Only the sort keys are read for every table; the
 * figures are read for the page's rows.
 */
export class CollectionAnalysis {
  constructor(
    private readonly store: VectorStore,
    private readonly collections: CollectionService,
    private readonly activity: WriteActivitySource | undefined,
  ) {}

  async describe(query: AnalysisQuery): Promise<AnalysisPage> {
    const entries = await this.collections.inventory(query.tenantId);
    const everyStorage =
      query.sort === AnalysisSort.Size
        ? await this.#storage(entries.map((e) => e.collection))
        : undefined;
    const ordered = this.#sorted(entries, query.sort, everyStorage);
    const end = query.offset + query.pageSize;
    const page = ordered.slice(query.offset, end);
    const storage = everyStorage ?? (await this.#storage(page.map((e) => e.collection)));
    const totals = new Map<string, number>();
    const rows: AnalysisRow[] = [];
    for (const entry of page) {
      const row = await this.#row(entry, storage, totals);
      if (row !== undefined) rows.push(row);
    }
    return {
      rows,
      ...(end < ordered.length ? { nextOffset: end } : {}),
      totalSize: ordered.length,
    };
  }

  async #row(
    entry: TableEntry,
    storage: ReadonlyMap<string, CollectionStorage>,
    totals: Map<string, number>,
  ): Promise<AnalysisRow | undefined> {
    let view: CollectionView;
    try {
      view = await this.collections.get(entry.ref);
    } catch (err) {
      // Deleted since the inventory: it is simply gone.
      if (hasErrorCode(err, 'not_found')) return undefined;
      throw err;
    }
    const collectionPointsCount =
      view.tenancy === Tenancy.SharedCollection
        ? await this.#total(view.ref.name, totals)
        : view.pointsCount;
    const stored = storage.get(view.ref.name);
    const activity = this.activity?.activity(entry.ref.tenantId, view.ref.name);
    return {
      view,
      collectionPointsCount,
      ...(stored === undefined ? {} : { storage: stored }),
      ...(entry.sharedMembers === undefined ? {} : { sharedMembers: entry.sharedMembers }),
      ...(activity === undefined ? {} : { activity }),
    };
  }

  async #total(name: string, totals: Map<string, number>): Promise<number> {
    let total = totals.get(name);
    if (total === undefined) {
      total = (await this.store.getCollection(name))?.pointsCount ?? 0;
      totals.set(name, total);
    }
    return total;
  }

  async #storage(names: readonly string[]): Promise<Map<string, CollectionStorage>> {
    const described = await this.store.describeStorage([...new Set(names)]);
    return new Map(described.map((s) => [s.name, s]));
  }

  #sorted(
    entries: readonly TableEntry[],
    sort: AnalysisSort,
    storage: ReadonlyMap<string, CollectionStorage> | undefined,
  ): TableEntry[] {
    // Entries come sorted by tenant and table, and Array#sort is stable: ties keep that order.
    if (sort === AnalysisSort.Size) {
      const size = (e: TableEntry) => storageBytes(storage?.get(e.collection)) ?? -1;
      return [...entries].sort((a, b) => size(b) - size(a));
    }
    if (sort === AnalysisSort.Activity) {
      const rate = (e: TableEntry) => this.activity?.activity(e.ref.tenantId, e.collection);
      return [...entries].sort((a, b) => compareActivity(rate(a), rate(b)));
    }
    return [...entries];
  }
}

/** A collection's bytes: on disk when known, else Qdrant's vector and payload estimate. */
export function storageBytes(storage: CollectionStorage | undefined): number | undefined {
  if (storage === undefined) return undefined;
  if (storage.diskBytes !== undefined) return storage.diskBytes;
  if (storage.vectorsBytes === undefined && storage.payloadsBytes === undefined) return undefined;
  return (storage.vectorsBytes ?? 0) + (storage.payloadsBytes ?? 0);
}

// Most active first: higher rate, then later write; no activity last.
function compareActivity(a: WriteActivity | undefined, b: WriteActivity | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? 1 : -1;
  if (a.pointsPerSecond !== b.pointsPerSecond) return b.pointsPerSecond - a.pointsPerSecond;
  return b.lastWriteAt.getTime() - a.lastWriteAt.getTime();
}
