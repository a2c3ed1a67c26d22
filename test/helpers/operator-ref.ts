import type { AuthorizedRef, CollectionService } from '../../src/domain/index.js';

/** A table as the operator (admin key) uses it: it may set shared tables up. */
export function operatorRef(
  service: Pick<CollectionService, 'naming'>,
  tenantId: string,
  table: string,
): AuthorizedRef {
  return { ...service.naming.ref(tenantId, table), mayConfigureShared: true };
}
