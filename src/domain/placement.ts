import type { CollectionRef } from './naming.js';
import type { CollectionConfig, IndexStatus, Tenancy } from './types.js';

/** A tenant's collection as clients see it; `ref.name` is the physical collection holding it. */
export interface CollectionView {
  readonly ref: CollectionRef;
  readonly config: CollectionConfig;
  readonly tenancy: Tenancy;
  /** The tenant's points only, also in a shared collection. */
  readonly pointsCount: number;
  /** The collection's vector index; unset when not read (a create answers before any point). */
  readonly index?: { readonly indexedVectorsCount: number; readonly status: IndexStatus };
}

/** Where a tenant's table lives: its own collection, or its partition of a shared one. */
export type Placement =
  | { readonly kind: 'own'; readonly name: string; readonly config: CollectionConfig }
  | {
      readonly kind: 'shared';
      readonly name: string;
      readonly tenantId: string;
      readonly config: CollectionConfig;
    };

/** The placement a view describes. */
export function placementOf(view: CollectionView): Placement {
  const { name } = view.ref;
  return view.tenancy === 'shared_collection'
    ? { kind: 'shared', name, tenantId: view.ref.tenantId, config: view.config }
    : { kind: 'own', name, config: view.config };
}
