import type { CollectionConfigRequest } from './collection-config.js';
import type { Tenancy } from './types.js';

/** A table's profile: the config its collections get when a call gives none. */
export interface TableProfile {
  readonly table: string;
  readonly config: CollectionConfigRequest & { readonly tenancy: Tenancy };
  /** Largest JSON payload of one point; unset: the service-wide limit. */
  readonly maxPayloadBytes?: number;
}

/** The table profiles in force (from the profile file or the built-in profile), by table. */
export class TableProfiles {
  private readonly byTable: ReadonlyMap<string, TableProfile>;

  constructor(profiles: readonly TableProfile[] = []) {
    this.byTable = new Map(profiles.map((p) => [p.table, p]));
  }

  /** Every profile, sorted by table. */
  all(): TableProfile[] {
    return [...this.byTable.values()].sort((a, b) =>
      a.table < b.table ? -1 : a.table > b.table ? 1 : 0,
    );
  }

  get(table: string): TableProfile | undefined {
    return this.byTable.get(table);
  }

  /**
   * The config a call asks for: its own when it sets any field, else the table's profile (as
   * if the caller had sent it), else none, which keeps the service-wide defaults.
   */
  requestFor(
    table: string,
    request: CollectionConfigRequest | undefined,
  ): CollectionConfigRequest | undefined {
    if (request !== undefined && setsAnything(request)) return request;
    return this.byTable.get(table)?.config ?? request;
  }
}

// An all-unset config (e.g. `auto_create: {}`) says "create it" and nothing about how.
function setsAnything(request: CollectionConfigRequest): boolean {
  return Object.entries(request).some(
    ([key, value]) => value !== undefined && !(key === 'vectorSize' && value === 0),
  );
}
