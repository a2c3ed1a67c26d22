import { hasErrorCode } from './errors.js';
import { recordUuid } from './point-id.js';
import type { VectorStore } from './ports.js';
import type { Filter } from './types.js';

// Registry entries carry no vector worth having: one dimension, always 1.
const ENTRY_VECTOR = Float32Array.of(1);
/** Most shared tables one tenant can have listed; more than any real deployment defines. */
export const MAX_SHARED_TABLES_PER_TENANT = 4096;
/** Most members of one shared table an analysis lists (a search's page of the registry). */
export const MAX_SHARED_TABLE_MEMBERS = 100_000;

/**
 * Which tenants joined which shared tables: one point per (tenant, table) in a registry
 * collection of the same store, so membership survives restarts on every store without new
 * storage. Point id: `recordUuid(tenant, table, "")` (an empty record id is refused on the
 * wire, so it is nobody's record); payload `{ tenant_id, table }`, `tenant_id` indexed as the
 * tenant key.
 */
export class SharedTableRegistry {
  #ready = false;

  constructor(
    private readonly store: VectorStore,
    readonly name: string,
  ) {}

  /** True when the tenant joined the shared table. */
  async has(tenantId: string, table: string): Promise<boolean> {
    try {
      return (await this.store.count(this.name, entryFilter(tenantId, table), true)) > 0;
    } catch (err) {
      if (hasErrorCode(err, 'not_found')) return false;
      throw err;
    }
  }

  /** True when any tenant is a member of the shared table. */
  async hasMembers(table: string): Promise<boolean> {
    const filter: Filter = { must: [{ key: 'table', match: table }], should: [], mustNot: [] };
    try {
      return (await this.store.count(this.name, filter, true)) > 0;
    } catch (err) {
      if (hasErrorCode(err, 'not_found')) return false;
      throw err;
    }
  }

  /** Records the membership (idempotent); creates the registry collection on first use. */
  async add(tenantId: string, table: string): Promise<void> {
    const entry = {
      id: entryId(tenantId, table),
      vector: ENTRY_VECTOR,
      payload: { tenant_id: tenantId, table },
    };
    if (!this.#ready) await this.#create();
    try {
      await this.store.upsert(this.name, [entry]);
    } catch (err) {
      // Dropped behind our back: make it again once.
      if (!hasErrorCode(err, 'not_found')) throw err;
      this.#ready = false;
      await this.#create();
      await this.store.upsert(this.name, [entry]);
    }
  }

  /** Forgets the membership; false when there was none. */
  async remove(tenantId: string, table: string): Promise<boolean> {
    if (!(await this.has(tenantId, table))) return false;
    try {
      await this.store.deletePoints(this.name, { ids: [entryId(tenantId, table)] });
    } catch (err) {
      if (hasErrorCode(err, 'not_found')) return false;
      throw err;
    }
    return true;
  }

  /** The shared tables the tenant joined, sorted. */
  tables(tenantId: string): Promise<string[]> {
    return this.#entries('tenant_id', tenantId, 'table', MAX_SHARED_TABLES_PER_TENANT);
  }

  /** The tenants that joined the shared table, sorted (at most MAX_SHARED_TABLE_MEMBERS). */
  members(table: string): Promise<string[]> {
    return this.#entries('table', table, 'tenant_id', MAX_SHARED_TABLE_MEMBERS);
  }

  // Listed by a search: the one store call that returns payloads of filtered points.
  async #entries(key: string, value: string, field: string, limit: number): Promise<string[]> {
    let hits;
    try {
      hits = await this.store.search(this.name, {
        vector: ENTRY_VECTOR,
        limit,
        filter: { must: [{ key, match: value }], should: [], mustNot: [] },
        withPayload: true,
      });
    } catch (err) {
      if (hasErrorCode(err, 'not_found')) return [];
      throw err;
    }
    return hits
      .map((hit) => hit.payload?.[field])
      .filter((entry): entry is string => typeof entry === 'string')
      .sort();
  }

  async #create(): Promise<void> {
    try {
      await this.store.createCollection(
        this.name,
        { vectorSize: 1, distance: 'dot' },
        { tenantKey: 'tenant_id' },
      );
    } catch (err) {
      if (!hasErrorCode(err, 'already_exists')) throw err;
    }
    this.#ready = true;
  }
}

function entryId(tenantId: string, table: string): string {
  return recordUuid(tenantId, table, '');
}

function entryFilter(tenantId: string, table: string): Filter {
  return {
    must: [
      { key: 'tenant_id', match: tenantId },
      { key: 'table', match: table },
    ],
    should: [],
    mustNot: [],
  };
}
