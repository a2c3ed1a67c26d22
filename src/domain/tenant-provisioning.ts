import { hasErrorCode } from './errors.js';
import type { CollectionService } from './collection-service.js';
import { Tenancy } from './types.js';

/** What provisioning found or did for one profiled table. */
export const ProvisionOutcome = {
  Created: 'created',
  AlreadyPresent: 'already_present',
  /** The table exists with another config and was left as it is. */
  Conflict: 'conflict',
} as const;
export type ProvisionOutcome = (typeof ProvisionOutcome)[keyof typeof ProvisionOutcome];

export interface TableProvision {
  readonly table: string;
  readonly outcome: ProvisionOutcome;
  /** The physical collection (for a shared table, the shared one). */
  readonly collection: string;
  /** Why a conflict is one; empty otherwise. */
  readonly detail: string;
}

/** One table a tenant no longer has. */
export interface RemovedTable {
  readonly table: string;
  /** The tenant's own collection, or the shared collection it left. */
  readonly collection: string;
  readonly shared: boolean;
}

/** A tenant as a caller may provision it: tenant keys join shared tables, the operator sets them up. */
export interface TenantGrant {
  readonly tenantId: string;
  readonly mayConfigureShared: boolean;
}

/**
 * Tenants as a whole: every profiled table ensured at once, or everything a tenant has removed
 * at once. Built on the collection service's ensure and delete, so each table keeps their
 * rules: one lifecycle call per table at a time (concurrent provisioning creates each
 * collection once), a differing existing config is never overwritten, and the operator's
 * shared-table rules hold.
 */
export class TenantProvisioning {
  constructor(private readonly collections: CollectionService) {}

  /** Ensures each profiled table's collection for the tenant; one entry per table, sorted. */
  provision(grant: TenantGrant): Promise<TableProvision[]> {
    const { naming, profiles } = this.collections;
    return Promise.all(
      profiles.all().map(async ({ table, config }): Promise<TableProvision> => {
        const ref = { ...naming.ref(grant.tenantId, table), ...grant };
        try {
          const { collection, created } = await this.collections.ensure(ref, config);
          const outcome = created ? ProvisionOutcome.Created : ProvisionOutcome.AlreadyPresent;
          return { table, outcome, collection: collection.ref.name, detail: '' };
        } catch (err) {
          // Ensure's refusal of a differing config (or of a shared table a tenant key may not
          // set up) is this table's answer; anything else fails the call.
          if (!hasErrorCode(err, 'failed_precondition')) throw err;
          const collection =
            config.tenancy === Tenancy.SharedCollection ? naming.sharedName(table) : ref.name;
          return { table, outcome: ProvisionOutcome.Conflict, collection, detail: err.message };
        }
      }),
    );
  }

  /**
   * Deletes every collection of the tenant and ends its shared-table memberships (their points
   * go with them), profiled tables or not; other tenants' data is untouched.
   */
  async deprovision(tenantId: string): Promise<RemovedTable[]> {
    const { naming } = this.collections;
    const removed: RemovedTable[] = [];
    for (const table of await this.collections.tables(tenantId)) {
      const ref = naming.ref(tenantId, table);
      const { own, shared } = await this.collections.remove(ref);
      if (own) removed.push({ table, collection: ref.name, shared: false });
      if (shared) removed.push({ table, collection: naming.sharedName(table), shared: true });
    }
    return removed;
  }
}
