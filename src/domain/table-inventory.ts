import type { CollectionNaming, CollectionRef } from './naming.js';
import type { VectorStore } from './ports.js';
import type { SharedTableRegistry } from './shared-table-registry.js';
import { Tenancy } from './types.js';

/** One tenant's table as the store holds it, before any figure is read. */
export interface TableEntry {
  /** The tenant's ref (its `name` is what the tenant's own collection would be called). */
  readonly ref: CollectionRef;
  /** The physical collection holding the table. */
  readonly collection: string;
  readonly tenancy: Tenancy;
  /** For a shared table: how many tenants joined it. */
  readonly sharedMembers?: number;
}

/**
 * Every tenant's tables in the store, or one tenant's: each own collection, and each
 * membership of a shared table, sorted by tenant and table. A tenant's own collection hides
 * its membership of the same shared table, as GetCollection answers with the own one.
 */
export async function tableInventory(
  store: VectorStore,
  naming: CollectionNaming,
  registry: SharedTableRegistry,
  tenantId?: string,
): Promise<TableEntry[]> {
  const prefix = tenantId === undefined ? naming.prefix : naming.tenantPrefix(tenantId);
  const entries = new Map<string, TableEntry>();
  for (const name of await store.listCollections(prefix)) {
    const ref = naming.parse(name);
    if (ref === undefined || (tenantId !== undefined && ref.tenantId !== tenantId)) continue;
    entries.set(key(ref), { ref, collection: name, tenancy: Tenancy.CollectionPerTenant });
  }
  for (const collection of await store.listCollections(naming.sharedPrefix)) {
    const table = naming.parseShared(collection);
    if (table === undefined) continue;
    const members = await registry.members(table);
    for (const member of members) {
      if (tenantId !== undefined && member !== tenantId) continue;
      const ref = naming.ref(member, table);
      if (entries.has(key(ref))) continue;
      const sharedMembers = members.length;
      entries.set(key(ref), { ref, collection, tenancy: Tenancy.SharedCollection, sharedMembers });
    }
  }
  return [...entries.values()].sort((a, b) => compareRefs(a.ref, b.ref));
}

/** Orders refs by tenant, then table. */
export function compareRefs(a: CollectionRef, b: CollectionRef): number {
  const left = key(a);
  const right = key(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

// "/" sorts before every tenant and table character, so tenant "a" comes before "a-b".
function key(ref: CollectionRef): string {
  return `${ref.tenantId}/${ref.table}`;
}
