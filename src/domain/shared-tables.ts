import { VectorAdminError, hasErrorCode } from './errors.js';
import { configConflicts, type CollectionConfigRequest } from './collection-config.js';
import type { AuthorizedRef, CollectionNaming, CollectionRef } from './naming.js';
import type { CollectionView } from './placement.js';
import type { VectorStore } from './ports.js';
import { TENANT_KEY, tenantFilter } from './shared-points.js';
import { SharedTableRegistry } from './shared-table-registry.js';
import { Tenancy, type CollectionConfig } from './types.js';

/**
 * Tenants' memberships of shared tables (issue 8; Qdrant's multitenancy advice): one physical
 * collection per table, `naming.sharedName(table)`, partitioned by the `TENANT_KEY` payload
 * field, and a registry of who joined. Its configuration comes from the operator (issue 17):
 * only a caller that may configure shared tables (the admin key, or dev mode) creates the
 * physical collection; a tenant key joins one that exists, and its refusals name no setting of
 * it. The collection is dropped when its last member leaves and it holds no points.
 */
export class SharedTables {
  readonly registry: SharedTableRegistry;
  // Physical configs never change once created, so they are cached until the store says gone.
  private readonly configs = new Map<string, CollectionConfig>();

  constructor(
    private readonly store: VectorStore,
    private readonly naming: CollectionNaming,
  ) {
    this.registry = new SharedTableRegistry(store, naming.registryName);
  }

  /** The tenant's shared table, with its own point count when `withCount`; undefined if none. */
  async view(ref: CollectionRef, withCount: boolean): Promise<CollectionView | undefined> {
    if (!(await this.registry.has(ref.tenantId, ref.table))) return undefined;
    return this.#view(ref, withCount);
  }

  /**
   * Joins the tenant to the table's shared collection, creating it with `config` when missing.
   * failed_precondition when the shared collection differs from what `request` sets.
   */
  async join(
    ref: AuthorizedRef,
    config: CollectionConfig,
    request: CollectionConfigRequest | undefined,
  ): Promise<CollectionView> {
    const mayConfigure = ref.mayConfigureShared;
    const name = this.naming.sharedName(ref.table);
    let physical = await this.#config(name);
    if (physical === undefined && !mayConfigure) throw notSetUp(ref);
    if (physical === undefined) {
      try {
        await this.store.createCollection(name, config, { tenantKey: TENANT_KEY });
        physical = config;
        this.configs.set(name, config);
      } catch (err) {
        // Another tenant made it between our look and our create: join that one.
        if (!hasErrorCode(err, 'already_exists')) throw err;
        physical = await this.#config(name);
        if (physical === undefined) throw changed(ref, err);
      }
    }
    const conflicts = configConflicts(
      { ...physical, tenancy: Tenancy.SharedCollection },
      request ?? {},
    );
    if (conflicts.length > 0 && !mayConfigure) throw notSetUp(ref);
    if (conflicts.length > 0) {
      throw new VectorAdminError(
        'failed_precondition',
        `the shared collection of table "${ref.table}" has a different ${conflicts.join(', ')}`,
      );
    }
    // Points a failed or raced leave left behind: a table joined again starts empty.
    await this.store.deletePoints(name, { filter: tenantFilter(ref.tenantId) });
    await this.registry.add(ref.tenantId, ref.table);
    const view = await this.#view(ref, true);
    if (view === undefined) throw changed(ref);
    return view;
  }

  /**
   * Ends the tenant's membership, then deletes its points; false when it had none. Membership
   * first, so no write admitted after the delete lands in a table that is gone; points a failure
   * or a racing write leaves behind are deleted by the next join.
   */
  async leave(ref: CollectionRef): Promise<boolean> {
    if (!(await this.registry.remove(ref.tenantId, ref.table))) return false;
    const name = this.naming.sharedName(ref.table);
    try {
      await this.store.deletePoints(name, { filter: tenantFilter(ref.tenantId) });
      await this.#dropWhenAbandoned(ref.table, name);
    } catch (err) {
      if (!hasErrorCode(err, 'not_found')) throw err;
      this.configs.delete(name);
    }
    return true;
  }

  // Without members and points the collection would only keep a setting nobody uses: the
  // operator's next create sets the table up again. A join racing this drop fails with
  // "changed during the call" and its retry finds the table not set up.
  async #dropWhenAbandoned(table: string, name: string): Promise<void> {
    if (await this.registry.hasMembers(table)) return;
    if ((await this.store.count(name, undefined, true)) > 0) return;
    this.configs.delete(name);
    await this.store.deleteCollection(name);
  }

  /** The tenant's shared tables with their point counts, sorted by table. */
  async list(tenantId: string): Promise<CollectionView[]> {
    const views: CollectionView[] = [];
    for (const table of await this.registry.tables(tenantId)) {
      const view = await this.#view(this.naming.ref(tenantId, table), true);
      if (view !== undefined) views.push(view);
    }
    return views;
  }

  /** Forgets the cached config of a table's shared collection (the store reported it gone). */
  forget(table: string): void {
    this.configs.delete(this.naming.sharedName(table));
  }

  async #view(ref: CollectionRef, withCount: boolean): Promise<CollectionView | undefined> {
    const name = this.naming.sharedName(ref.table);
    const config = await this.#config(name);
    if (config === undefined) return undefined;
    let pointsCount = 0;
    if (withCount) {
      try {
        pointsCount = await this.store.count(name, tenantFilter(ref.tenantId), true);
      } catch (err) {
        if (!hasErrorCode(err, 'not_found')) throw err;
        this.configs.delete(name);
        return undefined;
      }
    }
    return { ref: { ...ref, name }, config, tenancy: Tenancy.SharedCollection, pointsCount };
  }

  async #config(name: string): Promise<CollectionConfig | undefined> {
    const cached = this.configs.get(name);
    if (cached !== undefined) return cached;
    const stored = await this.store.getCollection(name);
    if (stored !== undefined) this.configs.set(name, stored.config);
    return stored?.config;
  }
}

// The same words whatever the table holds or who else uses it: a tenant learns nothing of
// other tenants from a refusal (issue 17).
function notSetUp(ref: CollectionRef): VectorAdminError {
  return new VectorAdminError(
    'failed_precondition',
    `shared table "${ref.table}" is not set up for this configuration: the operator creates ` +
      'shared tables (admin key); leave the config unset to join with its own',
  );
}

function changed(ref: CollectionRef, cause?: unknown): VectorAdminError {
  return new VectorAdminError(
    'unavailable',
    `the shared collection of table "${ref.table}" changed during the call; retry`,
    { cause },
  );
}
