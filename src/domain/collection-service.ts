import { VectorAdminError, hasErrorCode } from './errors.js';
import type { AuthorizedRef, CollectionNaming, CollectionRef } from './naming.js';
import type { VectorStore } from './ports.js';
import {
  configConflicts,
  requestedTenancy,
  resolveCollectionConfig,
  type CollectionConfigRequest,
  type CollectionDefaults,
} from './collection-config.js';
import { placementOf, type CollectionView, type Placement } from './placement.js';
import { KeyedQueue } from './keyed-queue.js';
import { SharedTables } from './shared-tables.js';
import { TableProfiles } from './table-profiles.js';
import { Tenancy } from './types.js';
import { tableInventory, type TableEntry } from './table-inventory.js';

export type { CollectionView, Placement } from './placement.js';

/** Optional settings of a CollectionService. */
export interface CollectionServiceOptions {
  /** The configs tables get when a call gives none; none by default. */
  readonly profiles?: TableProfiles;
  /** How long a cached placement is trusted. */
  readonly placementTtlMs?: number;
}

/** What removing a tenant's table took away. */
export interface TableRemoval {
  /** The tenant's own collection was deleted. */
  readonly own: boolean;
  /** The tenant's membership of the table's shared collection (and its points) was removed. */
  readonly shared: boolean;
}

/**
 * Collection lifecycle for tenants, with a cache of placements for the ingest path. A table is
 * the tenant's own collection or its partition of the table's shared collection, chosen by
 * `tenancy` at creation; both behave alike to clients.
 */
export class CollectionService {
  private readonly placements = new Map<string, { placement: Placement; at: number }>();
  /** Lifecycle calls of one tenant's table, one at a time (create, ensure, delete). */
  private readonly lifecycle = new KeyedQueue();
  private readonly shared: SharedTables;
  private readonly placementTtlMs: number;
  /** Table profiles: a create, ensure or auto-create that sets nothing takes its table's. */
  readonly profiles: TableProfiles;

  constructor(
    private readonly store: VectorStore,
    readonly naming: CollectionNaming,
    readonly defaults: CollectionDefaults,
    options: CollectionServiceOptions = {},
  ) {
    this.shared = new SharedTables(store, naming);
    this.profiles = options.profiles ?? new TableProfiles();
    this.placementTtlMs = options.placementTtlMs ?? PLACEMENT_TTL_MS;
  }

  /**
   * Creates a collection; already_exists when the tenant has the table in either tenancy.
   */
  create(ref: AuthorizedRef, request?: CollectionConfigRequest): Promise<CollectionView> {
    // Serialized per table: a create of each tenancy at once would otherwise both succeed.
    const asked = this.profiles.requestFor(ref.table, request);
    return this.lifecycle.run(placementKey(ref), () => this.createNow(ref, asked));
  }

  private async createNow(
    ref: AuthorizedRef,
    request: CollectionConfigRequest | undefined,
  ): Promise<CollectionView> {
    const config = resolveCollectionConfig(request, this.defaults);
    if (requestedTenancy(request) === Tenancy.SharedCollection) {
      if ((await this.find(ref, false)) !== undefined) throw alreadyExists(ref);
      return this.remember(await this.shared.join(ref, config, request));
    }
    if ((await this.shared.view(ref, false)) !== undefined) throw alreadyExists(ref);
    await this.store.createCollection(ref.name, config);
    return this.remember({ ref, config, tenancy: Tenancy.CollectionPerTenant, pointsCount: 0 });
  }

  /** Creates a collection unless present; failed_precondition when the present one differs. */
  ensure(
    ref: AuthorizedRef,
    request?: CollectionConfigRequest,
  ): Promise<{ collection: CollectionView; created: boolean }> {
    const asked = this.profiles.requestFor(ref.table, request);
    return this.lifecycle.run(placementKey(ref), () => this.ensureNow(ref, asked));
  }

  private async ensureNow(
    ref: AuthorizedRef,
    request: CollectionConfigRequest | undefined,
  ): Promise<{ collection: CollectionView; created: boolean }> {
    const config = resolveCollectionConfig(request, this.defaults);
    const existing = await this.find(ref, true);
    if (existing !== undefined)
      return { collection: this.checked(existing, request), created: false };
    if (requestedTenancy(request) === Tenancy.SharedCollection)
      return {
        collection: this.remember(await this.shared.join(ref, config, request)),
        created: true,
      };
    try {
      await this.store.createCollection(ref.name, config);
    } catch (err) {
      // Another caller created it between our look and our create: ensure still holds.
      if (!hasErrorCode(err, 'already_exists')) throw err;
      const raced = await this.find(ref, true);
      if (raced === undefined) throw notFound(ref);
      return { collection: this.checked(raced, request), created: false };
    }
    const view = { ref, config, tenancy: Tenancy.CollectionPerTenant, pointsCount: 0 };
    return { collection: this.remember(view), created: true };
  }

  /** Describes a collection with the tenant's real point count; not_found when missing. */
  async get(ref: CollectionRef): Promise<CollectionView> {
    const view = await this.find(ref, true);
    if (view === undefined) throw notFound(ref);
    return view;
  }

  /** The tenant's collections of both tenancies, sorted by table. */
  async list(tenantId: string): Promise<CollectionView[]> {
    const names = await this.store.listCollections(this.naming.tenantPrefix(tenantId));
    const views: CollectionView[] = [];
    for (const name of names) {
      const ref = this.naming.parse(name);
      if (ref?.tenantId !== tenantId) continue;
      const stored = await this.store.getCollection(name);
      // Deleted between list and describe: it is simply gone.
      if (stored !== undefined)
        views.push({
          ref,
          config: stored.config,
          tenancy: Tenancy.CollectionPerTenant,
          pointsCount: stored.pointsCount,
          index: { indexedVectorsCount: stored.indexedVectorsCount, status: stored.status },
        });
    }
    views.push(...(await this.shared.list(tenantId)));
    return views.sort((a, b) =>
      a.ref.table < b.ref.table ? -1 : a.ref.table > b.ref.table ? 1 : 0,
    );
  }

  /** Every tenant's tables in the store, or one tenant's, without their figures (see tableInventory). */
  inventory(tenantId?: string): Promise<TableEntry[]> {
    return tableInventory(this.store, this.naming, this.shared.registry, tenantId);
  }

  /** Deletes the tenant's table (its own collection, or its points of a shared one); false when there was none. */
  async delete(ref: CollectionRef): Promise<boolean> {
    const { own, shared } = await this.remove(ref);
    return own || shared;
  }

  /** Deletes the tenant's table in both tenancies, saying which it had. */
  remove(ref: CollectionRef): Promise<TableRemoval> {
    return this.lifecycle.run(placementKey(ref), () => this.removeNow(ref));
  }

  private async removeNow(ref: CollectionRef): Promise<TableRemoval> {
    this.placements.delete(placementKey(ref));
    const own = await this.store.deleteCollection(ref.name);
    const shared = await this.shared.leave(ref);
    // Again: a write may have resolved the placement while the delete ran.
    this.placements.delete(placementKey(ref));
    return { own, shared };
  }

  /**
   * Every table the tenant has in either tenancy, sorted; unlike `list`, also memberships whose
   * shared collection is gone, so that removing them all leaves nothing behind.
   */
  async tables(tenantId: string): Promise<string[]> {
    const names = await this.store.listCollections(this.naming.tenantPrefix(tenantId));
    const own = names.flatMap((name) => {
      const ref = this.naming.parse(name);
      return ref?.tenantId === tenantId ? [ref.table] : [];
    });
    const tables = new Set([...own, ...(await this.shared.registry.tables(tenantId))]);
    return [...tables].sort();
  }

  /**
   * Where the tenant's table is about to be written or read, from cache when possible; creates
   * it when missing and `autoCreate` is given. not_found otherwise.
   */
  async placementForWrite(
    ref: AuthorizedRef,
    autoCreate: CollectionConfigRequest | undefined,
  ): Promise<Placement> {
    // Short-lived: another replica may delete or re-create the table behind this one's back.
    const cached = this.placements.get(placementKey(ref));
    if (cached !== undefined && performance.now() - cached.at < this.placementTtlMs) {
      return cached.placement;
    }
    const found = await this.find(ref, false);
    if (found !== undefined) return placementOf(found);
    if (autoCreate === undefined) throw notFound(ref);
    const ensured = await this.ensure(ref, autoCreate);
    return placementOf(ensured.collection);
  }

  /** Forgets a cached placement, e.g. after the store reported the collection missing. */
  forget(ref: CollectionRef): void {
    this.placements.delete(placementKey(ref));
    this.shared.forget(ref.table);
  }

  // The tenant's own collection wins should both exist (a create racing across tenancies).
  private async find(ref: CollectionRef, withCount: boolean): Promise<CollectionView | undefined> {
    const stored = await this.store.getCollection(ref.name);
    if (stored !== undefined) {
      return this.remember({
        ref,
        config: stored.config,
        tenancy: Tenancy.CollectionPerTenant,
        pointsCount: stored.pointsCount,
        index: { indexedVectorsCount: stored.indexedVectorsCount, status: stored.status },
      });
    }
    const shared = await this.shared.view(ref, withCount);
    return shared === undefined ? undefined : this.remember(shared);
  }

  private remember(view: CollectionView): CollectionView {
    this.placements.set(placementKey(view.ref), {
      placement: placementOf(view),
      at: performance.now(),
    });
    return view;
  }

  private checked(
    view: CollectionView,
    request: CollectionConfigRequest | undefined,
  ): CollectionView {
    const conflicts = configConflicts({ ...view.config, tenancy: view.tenancy }, request ?? {});
    if (conflicts.length > 0) {
      throw new VectorAdminError(
        'failed_precondition',
        `collection "${view.ref.table}" exists with a different ${conflicts.join(', ')}`,
      );
    }
    return view;
  }
}

/** not_found for a tenant's table, naming the table rather than the physical collection. */
export function notFound(ref: CollectionRef): VectorAdminError {
  return new VectorAdminError(
    'not_found',
    `collection "${ref.table}" of tenant "${ref.tenantId}" not found`,
  );
}

/**
 * How long a cached placement is trusted. Within one process a delete clears it at once; this
 * bounds how long a write here can follow a placement another replica has since changed.
 */
const PLACEMENT_TTL_MS = 5000;

// Keyed by tenant and table: a shared view's ref names the shared collection, not the tenant's.
function placementKey(ref: CollectionRef): string {
  return `${ref.tenantId}/${ref.table}`;
}

function alreadyExists(ref: CollectionRef): VectorAdminError {
  return new VectorAdminError(
    'already_exists',
    `collection "${ref.table}" of tenant "${ref.tenantId}" already exists`,
  );
}
