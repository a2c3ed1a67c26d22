import { VectorAdminError } from './errors.js';

// Tenant ids have no underscore, so the first underscore after the prefix always ends the
// tenant: `{prefix}{tenant}_{table}` is injective (tenant `1_a` + table `b` cannot exist
// beside tenant `1` + table `a_b`). Both are valid NATS subject tokens and Qdrant names.
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const TABLE = /^[a-z][a-z0-9_]{0,62}$/;
const PREFIX = /^[a-z0-9_-]{0,32}$/;
// These would alias the metrics consumer's subjects `vectoradmin.v1.summaries.*` and
// `vectoradmin.v1.alerts` (see events/subjects.ts), e.g. under a per-tenant NATS permission.
const RESERVED_TENANT_IDS: ReadonlySet<string> = new Set(['summaries', 'alerts']);

/** Throws invalid_argument naming `field` unless `tenantId` is a valid tenant id. */
export function validateTenantId(tenantId: string, field = 'tenant_id'): string {
  if (!TENANT_ID.test(tenantId)) {
    throw VectorAdminError.invalidField(
      field,
      'must be 1-63 characters of a-z, 0-9 and "-", starting with a letter or digit',
    );
  }
  if (RESERVED_TENANT_IDS.has(tenantId)) {
    throw VectorAdminError.invalidField(field, `"${tenantId}" is a reserved name`);
  }
  return tenantId;
}

/** Throws invalid_argument naming `field` unless `table` is a valid table name. */
export function validateTable(table: string, field = 'table'): string {
  if (!TABLE.test(table)) {
    throw VectorAdminError.invalidField(
      field,
      'must be 1-63 characters of a-z, 0-9 and "_", starting with a letter',
    );
  }
  return table;
}

/** True when `prefix` may start physical collection names. */
export function isValidCollectionPrefix(prefix: string): boolean {
  return PREFIX.test(prefix);
}

/** A tenant's logical table and the physical collection that holds it. */
export interface CollectionRef {
  readonly tenantId: string;
  readonly table: string;
  readonly name: string;
}

/**
 * A table reference as one caller may use it. `mayConfigureShared` is false for tenant keys:
 * they join shared tables, the operator (admin key, or dev mode) sets them up.
 */
export interface AuthorizedRef extends CollectionRef {
  readonly mayConfigureShared: boolean;
}

/** Maps (tenant, table) to physical collection names and back, for one prefix. */
export class CollectionNaming {
  constructor(readonly prefix: string) {
    if (!isValidCollectionPrefix(prefix)) {
      throw new VectorAdminError('invalid_argument', `invalid collection prefix "${prefix}"`);
    }
  }

  /** The validated reference for a tenant's table. */
  ref(tenantId: string, table: string): CollectionRef {
    validateTenantId(tenantId);
    validateTable(table);
    return { tenantId, table, name: `${this.prefix}${tenantId}_${table}` };
  }

  /** The name prefix shared by exactly one tenant's collections. */
  tenantPrefix(tenantId: string): string {
    return `${this.prefix}${validateTenantId(tenantId)}_`;
  }

  /**
   * The physical collection of a shared table. Tenant ids never start with "_", so
   * `{prefix}_shared_{table}` never equals a `{prefix}{tenant}_{table}` and `parse` skips it.
   */
  sharedName(table: string): string {
    return `${this.sharedPrefix}${validateTable(table)}`;
  }

  /** The name prefix of every shared collection. */
  get sharedPrefix(): string {
    return `${this.prefix}_shared_`;
  }

  /** The table of a shared collection's name (inverse of `sharedName`); undefined otherwise. */
  parseShared(name: string): string | undefined {
    if (!name.startsWith(this.sharedPrefix)) return undefined;
    const table = name.slice(this.sharedPrefix.length);
    return TABLE.test(table) ? table : undefined;
  }

  /** The collection recording which tenants joined which shared tables (never a tenant's). */
  get registryName(): string {
    return `${this.prefix}_registry`;
  }

  /** Inverse of `ref(...).name`; undefined for names this naming did not make. */
  parse(name: string): CollectionRef | undefined {
    if (!name.startsWith(this.prefix)) return undefined;
    const rest = name.slice(this.prefix.length);
    const cut = rest.indexOf('_');
    if (cut <= 0) return undefined;
    const tenantId = rest.slice(0, cut);
    const table = rest.slice(cut + 1);
    if (!TENANT_ID.test(tenantId) || RESERVED_TENANT_IDS.has(tenantId)) return undefined;
    if (!TABLE.test(table)) return undefined;
    return { tenantId, table, name };
  }
}
