import { createHash, timingSafeEqual } from 'node:crypto';
import { VectorAdminError } from './errors.js';
import type { AuthorizedRef, CollectionNaming } from './naming.js';

/** Who a request acts as once its key is checked. */
export type Principal =
  | { readonly kind: 'admin' }
  | { readonly kind: 'tenant'; readonly tenantId: string }
  | { readonly kind: 'dev' };

interface KeyEntry {
  readonly digest: Buffer;
  readonly principal: Principal;
}

// Keys are compared as SHA-256 digests: timingSafeEqual needs equal lengths, and a digest
// hides the key's length too.
function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

/** Checks bearer keys in constant time and decides which tenant a request may act for. */
export class ApiKeys {
  private readonly entries: readonly KeyEntry[];

  /** With no tenant keys and no admin key the service runs in dev mode: every call is allowed. */
  constructor(tenantKeys: ReadonlyMap<string, string>, adminKey: string | undefined) {
    const entries: KeyEntry[] = [];
    for (const [tenantId, key] of tenantKeys) {
      entries.push({ digest: digest(key), principal: { kind: 'tenant', tenantId } });
    }
    if (adminKey !== undefined)
      entries.push({ digest: digest(adminKey), principal: { kind: 'admin' } });
    this.entries = entries;
  }

  get devMode(): boolean {
    return this.entries.length === 0;
  }

  /** The principal for a bearer key; unauthenticated when missing or unknown. */
  authenticate(bearer: string | undefined): Principal {
    if (this.devMode) return { kind: 'dev' };
    if (bearer === undefined || bearer.length === 0) {
      throw new VectorAdminError(
        'unauthenticated',
        'missing "authorization: Bearer <key>" metadata',
      );
    }
    const presented = digest(bearer);
    let found: Principal | undefined;
    // Compare against every entry so timing does not reveal which one matched.
    for (const entry of this.entries) {
      if (timingSafeEqual(entry.digest, presented)) found = entry.principal;
    }
    if (found === undefined) throw new VectorAdminError('unauthenticated', 'unknown API key');
    return found;
  }

  /**
   * The tenant a call acts for: a tenant key's own (empty means "mine"), any for admin and dev
   * mode. The id is not validated here: the ref or prefix made from it validates it, once.
   */
  static tenantFor(principal: Principal, requested: string): string {
    if (principal.kind === 'tenant') {
      if (requested === '' || requested === principal.tenantId) return principal.tenantId;
      throw new VectorAdminError('permission_denied', 'this key may not act for that tenant_id');
    }
    if (requested === '')
      throw VectorAdminError.invalidField('tenant_id', 'is required for this key');
    return requested;
  }

  /**
   * The tenant an operator-only call acts for (e.g. deprovisioning): the admin key and dev
   * mode may name any; a tenant key is refused, even for its own tenant.
   */
  static operatorTenant(principal: Principal, requested: string, operation: string): string {
    if (principal.kind === 'tenant') {
      throw new VectorAdminError('permission_denied', `only the admin key may ${operation}`);
    }
    return ApiKeys.tenantFor(principal, requested);
  }

  /** The validated ref of the table a request names, as its principal may use it. */
  static authorize(
    principal: Principal,
    naming: CollectionNaming,
    request: { readonly tenantId: string; readonly table: string },
  ): AuthorizedRef {
    const ref = naming.ref(ApiKeys.tenantFor(principal, request.tenantId), request.table);
    return { ...ref, mayConfigureShared: principal.kind !== 'tenant' };
  }
}
