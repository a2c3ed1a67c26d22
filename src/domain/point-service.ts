import { VectorAdminError, hasErrorCode } from './errors.js';
import {
  validateBatch,
  vectorProblem,
  type BatchLimits,
  type PointError,
  type PointInput,
} from './batch-validation.js';
import type { CollectionConfigRequest } from './collection-config.js';
import { notFound, type CollectionService } from './collection-service.js';
import type { AuthorizedRef, CollectionRef } from './naming.js';
import type { Placement } from './placement.js';
import { WriteScheduler } from './write-scheduler.js';
import type { VectorStore } from './ports.js';
import { callerPoint, ownedBy } from './caller-points.js';
import {
  assertNoReservedFilterKeys,
  sharedPointId,
  tenantFilter,
  toSharedPoint,
} from './shared-points.js';
import { validateSearchParams } from './search-params.js';
import type {
  FetchedPoint,
  Filter,
  FoundPoint,
  Point,
  PointId,
  PointSelector,
  SearchParams,
  SearchQuery,
} from './types.js';

/** The outcome of one batch: written whole, or rejected whole with every reason. */
export interface UpsertOutcome {
  /** Distinct ids stored (a repeated id counts once: the later point wins). */
  readonly upserted: number;
  readonly errors: readonly PointError[];
  readonly vectorSize: number;
  readonly payloadBytes: number;
  /** The physical collection written (for a shared table, the shared one); empty when none. */
  readonly collection: string;
}

/** What a read or delete touched: the physical collection, for the operation's event. */
export interface Touched {
  readonly collection: string;
}

/** Limits on point operations, configurable. */
export interface PointLimits extends BatchLimits {
  readonly maxSearchLimit: number;
}

/**
 * Point writes and reads for tenants' collections. In a shared collection every operation is
 * confined to the tenant's partition: ids are derived per tenant, every filter carries the
 * tenant condition, and results come back with the tenant's own ids and payloads.
 */
export class PointService {
  constructor(
    private readonly store: VectorStore,
    private readonly collections: CollectionService,
    private readonly limits: PointLimits,
    /** Admits store writes, tenants in turn; unbounded by default. */
    private readonly writes = new WriteScheduler({ maxBytes: 0, tenantMaxBytes: 0 }),
  ) {}

  /**
   * Validates and writes one batch; resolves once it is durable. A batch with any bad point, or
   * aimed at a missing collection without `autoCreate`, is rejected whole with reasons.
   */
  async upsert(
    ref: AuthorizedRef,
    inputs: readonly PointInput[],
    autoCreate?: CollectionConfigRequest,
  ): Promise<UpsertOutcome> {
    let placement;
    try {
      placement = await this.collections.placementForWrite(ref, autoCreate);
    } catch (err) {
      if (!hasErrorCode(err, 'not_found')) throw err;
      return rejected([{ index: 0, field: 'table', message: err.message }], 0, '');
    }
    const { vectorSize } = placement.config;
    const checked = validateBatch(
      ref.tenantId,
      ref.table,
      inputs,
      vectorSize,
      this.limitsFor(ref.table),
    );
    if (!checked.ok) return rejected(checked.errors, vectorSize, placement.name);
    try {
      await this.write(ref, placement, checked.points);
    } catch (err) {
      if (!hasErrorCode(err, 'not_found')) throw err;
      // Deleted behind our back: a stale cache must not fail every later write.
      this.collections.forget(ref);
      if (autoCreate === undefined)
        return rejected(
          [{ index: 0, field: 'table', message: notFound(ref).message }],
          vectorSize,
          placement.name,
        );
      const recreated = await this.collections.placementForWrite(ref, autoCreate);
      if (recreated.config.vectorSize !== vectorSize)
        throw new VectorAdminError(
          'failed_precondition',
          'collection was re-created with another vector size',
        );
      await this.write(ref, recreated, checked.points);
    }
    return {
      upserted: checked.points.length,
      errors: [],
      vectorSize,
      payloadBytes: checked.payloadBytes,
      collection: placement.name,
    };
  }

  // A table's profile may set its own payload limit in place of the service-wide one.
  private limitsFor(table: string): BatchLimits {
    const maxPayloadBytes = this.collections.profiles.get(table)?.maxPayloadBytes;
    return maxPayloadBytes === undefined ? this.limits : { ...this.limits, maxPayloadBytes };
  }

  /** Deletes points by ids and/or filter; invalid_argument when neither is given. */
  async deletePoints(
    ref: AuthorizedRef,
    ids: readonly PointId[],
    filter: Filter | undefined,
  ): Promise<Touched> {
    if (ids.length === 0 && filter === undefined) {
      throw VectorAdminError.invalidField('ids', 'give ids or a filter');
    }
    assertNoReservedFilterKeys(filter);
    const placement = await this.collections.placementForWrite(ref, undefined);
    let selector: PointSelector;
    if (placement.kind === 'own') {
      selector = { ids, ...(filter === undefined ? {} : { filter }) };
    } else {
      // Derived ids are the tenant's alone; only a given filter needs the tenant condition
      // (without one, an empty filter would select the whole partition).
      const tenantId = placement.tenantId;
      selector = {
        ids: ids.map((id) => sharedPointId(tenantId, id)),
        ...(filter === undefined ? {} : { filter: tenantFilter(tenantId, filter) }),
      };
    }
    await this.guard(ref, () => this.store.deletePoints(placement.name, selector));
    return { collection: placement.name };
  }

  /** Nearest points to `vector` in the collection. */
  async search(
    ref: AuthorizedRef,
    vector: Float32Array,
    limit: number,
    filter: Filter | undefined,
    withPayload: boolean,
    params?: SearchParams,
  ): Promise<Touched & { readonly points: FoundPoint[] }> {
    assertNoReservedFilterKeys(filter);
    const checkedParams = validateSearchParams(params);
    const placement = await this.collections.placementForWrite(ref, undefined);
    const problem = vectorProblem(vector, placement.config.vectorSize);
    if (problem !== undefined) throw VectorAdminError.invalidField('vector', problem);
    const effective = limit === 0 ? 10 : limit;
    if (effective > this.limits.maxSearchLimit) {
      throw VectorAdminError.invalidField('limit', `must be at most ${this.limits.maxSearchLimit}`);
    }
    const shared = placement.kind === 'shared' ? placement : undefined;
    const scope = shared === undefined ? filter : tenantFilter(shared.tenantId, filter);
    const query: SearchQuery = {
      vector,
      limit: effective,
      // The payload always comes back: it holds the caller's id (a record id, a shared
      // table's own id).
      withPayload: true,
      ...(scope === undefined ? {} : { filter: scope }),
      ...(checkedParams === undefined ? {} : { params: checkedParams }),
    };
    const hits = await this.guard(ref, () => this.store.search(placement.name, query));
    const points = hits.map((hit): FoundPoint => {
      const seen = callerPoint(hit.id, hit.payload ?? {}, shared !== undefined);
      return withPayload ? { ...seen, score: hit.score } : { id: seen.id, score: hit.score };
    });
    return { points, collection: placement.name };
  }

  /**
   * The stored points among `ids`, as Qdrant's retrieve: ids not stored are left out, each
   * point comes once, in the order of its first mention, under the id it was written with.
   */
  async getPoints(
    ref: AuthorizedRef,
    ids: readonly PointId[],
    withVectors: boolean,
  ): Promise<Touched & { readonly points: FetchedPoint[] }> {
    if (ids.length === 0) throw VectorAdminError.invalidField('ids', 'give at least one id');
    if (ids.length > this.limits.maxPoints) {
      throw VectorAdminError.invalidField(
        'ids',
        `has ${ids.length} ids, more than the limit of ${this.limits.maxPoints}`,
      );
    }
    const placement = await this.collections.placementForWrite(ref, undefined);
    const shared = placement.kind === 'shared' ? placement : undefined;
    const stored = shared === undefined ? ids : ids.map((id) => sharedPointId(shared.tenantId, id));
    const found = await this.guard(ref, () =>
      this.store.retrieve(placement.name, {
        ids: stored,
        withPayload: true,
        withVector: withVectors,
      }),
    );
    const points = found
      .filter((point) => shared === undefined || ownedBy(point.payload, shared.tenantId))
      .map((point): FetchedPoint => {
        const seen = callerPoint(point.id, point.payload ?? {}, shared !== undefined);
        return point.vector === undefined ? seen : { ...seen, vector: point.vector };
      });
    return { points, collection: placement.name };
  }

  /** Points matching the filter. */
  async count(
    ref: AuthorizedRef,
    filter: Filter | undefined,
    exact: boolean,
  ): Promise<Touched & { readonly count: number }> {
    assertNoReservedFilterKeys(filter);
    const placement = await this.collections.placementForWrite(ref, undefined);
    const effective = placement.kind === 'own' ? filter : tenantFilter(placement.tenantId, filter);
    const count = await this.guard(ref, () => this.store.count(placement.name, effective, exact));
    return { count, collection: placement.name };
  }

  private write(ref: CollectionRef, placement: Placement, points: readonly Point[]): Promise<void> {
    const bytes = points.length * placement.config.vectorSize * Float32Array.BYTES_PER_ELEMENT;
    return this.writes.run(ref.tenantId, bytes, () => {
      if (placement.kind === 'own') return this.store.upsert(placement.name, points);
      const tenantId = placement.tenantId;
      return this.store.upsert(
        placement.name,
        points.map((point) => toSharedPoint(tenantId, point)),
      );
    });
  }

  /** Runs a store call; a collection gone behind our back is the table's not_found. */
  private async guard<T>(ref: CollectionRef, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (!hasErrorCode(err, 'not_found')) throw err;
      this.collections.forget(ref);
      throw notFound(ref);
    }
  }
}

function rejected(
  errors: readonly PointError[],
  vectorSize: number,
  collection: string,
): UpsertOutcome {
  return { upserted: 0, errors, vectorSize, payloadBytes: 0, collection };
}
