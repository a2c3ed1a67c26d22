import type { RangeBounds } from '../../src/domain/types.js';
import { inRange, matchesValue, parseKeyPath, valuesAt } from '../../src/stores/filter-match.js';

/**
 * The in-memory collections behind QdrantSpecPeer: just enough of Qdrant's behaviour for the
 * adapter's calls to make sense (create/list/delete, upsert, delete, count, query with
 * filters and the four distances). Requests reaching it have already passed the spec.
 */

type Json = Record<string, unknown>;
type Id = number | string;

/** One stored point. */
export interface PeerPoint {
  readonly id: Id;
  readonly vector: number[];
  readonly payload: Json;
  readonly version: number;
}

/** One collection: the create body as sent, its points, and deletes not yet "optimised away". */
export interface PeerCollection {
  readonly create: Json;
  readonly points: Map<string, PeerPoint>;
  /** Payload indexes by field name: the `field_schema` as sent (a type name or its params). */
  readonly indexes: Map<string, Json | string>;
  deletedPoints: number;
}

/** A reply for the server to send (and validate against the spec). */
export interface PeerReply {
  readonly status: number;
  readonly body: unknown;
  readonly contentType?: string;
}

const ok = (result: unknown): PeerReply => ({
  status: 200,
  body: { result, status: 'ok', time: 0.0001 },
});
/** A spec-conform Qdrant `ErrorResponse` body. */
export function errorBody(error: string): unknown {
  return { result: null, status: { error }, time: 0.0001 };
}

const fail = (status: number, error: string): PeerReply => ({ status, body: errorBody(error) });
const text = (status: number, body: string): PeerReply => ({
  status,
  body,
  contentType: 'text/plain',
});

const idKey = (id: Id): string => (typeof id === 'number' ? `n:${id}` : `u:${id.toLowerCase()}`);
const list = (v: unknown): Json[] =>
  v === undefined || v === null ? [] : Array.isArray(v) ? (v as Json[]) : [v as Json];

function matchesCondition(c: Json, point: PeerPoint): boolean {
  if ('has_id' in c) return (c.has_id as Id[]).some((id) => idKey(id) === idKey(point.id));
  if (typeof c.key === 'string') {
    const path = parseKeyPath(c.key);
    if (path === undefined) return false;
    const leaves = valuesAt(point.payload, path).flatMap((v) =>
      Array.isArray(v) ? (v as unknown[]) : [v],
    );
    const match = c.match as { value?: string | number | boolean } | undefined;
    if (match?.value !== undefined) return leaves.some((v) => matchesValue(v, match.value!));
    const range = c.range as RangeBounds | null | undefined;
    if (range !== undefined && range !== null) return leaves.some((v) => inRange(v, range));
    throw new Error(`peer: unsupported field condition ${JSON.stringify(c)}`);
  }
  if (Object.keys(c).every((k) => k === 'must' || k === 'should' || k === 'must_not'))
    return matchesFilter(c, point);
  throw new Error(`peer: unsupported condition ${JSON.stringify(c)}`);
}

function matchesFilter(filter: Json | null | undefined, point: PeerPoint): boolean {
  if (filter === undefined || filter === null) return true;
  const should = list(filter.should);
  return (
    list(filter.must).every((c) => matchesCondition(c, point)) &&
    (should.length === 0 || should.some((c) => matchesCondition(c, point))) &&
    !list(filter.must_not).some((c) => matchesCondition(c, point))
  );
}

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const norm = (a: number[]) => Math.sqrt(dot(a, a)) || 1;

/** Qdrant's scores: similarity for Cosine/Dot (higher first), distance for Euclid/Manhattan. */
function score(distance: string, q: number[], v: number[]): number {
  switch (distance) {
    case 'Cosine':
      return dot(q, v) / (norm(q) * norm(v));
    case 'Dot':
      return dot(q, v);
    case 'Euclid':
      return Math.sqrt(q.reduce((s, x, i) => s + (x - v[i]!) ** 2, 0));
    default:
      return q.reduce((s, x, i) => s + Math.abs(x - v[i]!), 0);
  }
}

/** The collections and the operation handlers, keyed by the spec's operationId. */
export class PeerState {
  readonly collections = new Map<string, PeerCollection>();
  #version = 0;

  handle(
    operationId: string,
    params: Record<string, string>,
    query: URLSearchParams,
    body: unknown,
  ): PeerReply {
    const name = params.collection_name ?? '';
    const collection = this.collections.get(name);
    const b = (body ?? {}) as Json;
    switch (operationId) {
      case 'root':
        return { status: 200, body: { title: 'qdrant - vector search engine', version: '1.18.0' } };
      case 'healthz':
      case 'livez':
        return text(200, 'healthz check passed');
      case 'readyz':
        return text(200, 'all shards are ready');
      case 'get_collections':
        return ok({ collections: [...this.collections.keys()].map((n) => ({ name: n })) });
      case 'create_collection':
        // Qdrant's own answer (StorageError::BadInput, a 400); some builds send 409 instead.
        if (collection !== undefined) {
          return fail(400, `Wrong input: Collection \`${name}\` already exists!`);
        }
        this.collections.set(name, {
          create: b,
          points: new Map(),
          indexes: new Map(),
          deletedPoints: 0,
        });
        return ok(true);
      case 'delete_collection':
        return ok(this.collections.delete(name));
      case 'collection_exists':
        return ok({ exists: collection !== undefined });
      case 'telemetry':
        return ok(this.#telemetry(Number(query.get('details_level') ?? '0')));
    }
    if (collection === undefined)
      return fail(404, `Not found: Collection \`${name}\` doesn't exist!`);
    switch (operationId) {
      case 'get_collection':
        return ok(this.#info(collection));
      case 'upsert_points':
        return this.#upsert(collection, b, query);
      case 'delete_points':
        return this.#delete(collection, b, query);
      case 'count_points':
        return ok({
          count: [...collection.points.values()].filter((p) => matchesFilter(b.filter as Json, p))
            .length,
        });
      case 'query_points':
        return ok({ points: this.#query(collection, b) });
      case 'get_points':
        return ok(this.#retrieve(collection, b));
      case 'create_field_index': {
        // Qdrant infers a missing schema from stored values; the adapter always sends one.
        if (b.field_schema === undefined || b.field_schema === null)
          return fail(400, 'Wrong input: field_schema is required by this peer');
        // A repeat is accepted; another schema replaces the old one, as in Qdrant.
        collection.indexes.set(b.field_name as string, b.field_schema as Json | string);
        ++this.#version;
        return this.#updated(query);
      }
      default:
        throw new Error(`peer: ${operationId} is not implemented`);
    }
  }

  #updated(query: URLSearchParams): PeerReply {
    // Like Qdrant: without wait=true the answer only says "in the WAL", not "applied".
    return ok({
      operation_id: this.#version,
      status: query.get('wait') === 'true' ? 'completed' : 'acknowledged',
    });
  }

  #upsert(c: PeerCollection, b: Json, query: URLSearchParams): PeerReply {
    const size = (c.create.vectors as { size: number }).size;
    const points = b.points as { id: Id; vector: number[]; payload?: Json | null }[];
    const bad = points.find((p) => p.vector.length !== size);
    if (bad !== undefined) {
      return fail(
        400,
        `Wrong input: Vector dimension error: expected dim: ${size}, got ${bad.vector.length}`,
      );
    }
    const version = ++this.#version;
    for (const p of points) {
      const id = typeof p.id === 'string' ? p.id.toLowerCase() : p.id;
      c.points.set(idKey(id), { id, vector: p.vector, payload: p.payload ?? {}, version });
    }
    return this.#updated(query);
  }

  #delete(c: PeerCollection, b: Json, query: URLSearchParams): PeerReply {
    ++this.#version;
    const ids = 'points' in b ? new Set((b.points as Id[]).map(idKey)) : undefined;
    for (const [key, point] of c.points) {
      if (ids !== undefined ? ids.has(key) : matchesFilter(b.filter as Json, point)) {
        c.points.delete(key);
        c.deletedPoints += 1;
      }
    }
    return this.#updated(query);
  }

  #query(c: PeerCollection, b: Json): Json[] {
    const distance = (c.create.vectors as { distance: string }).distance;
    const raw = b.query as number[] | { nearest: number[] };
    const q = Array.isArray(raw) ? raw : raw.nearest;
    const ascending = distance === 'Euclid' || distance === 'Manhattan';
    const scored = [...c.points.values()]
      .filter((p) => matchesFilter(b.filter as Json, p))
      .map((p) => ({ p, score: score(distance, q, p.vector) }))
      .sort((x, y) => (ascending ? x.score - y.score : y.score - x.score))
      .slice(0, typeof b.limit === 'number' ? b.limit : 10);
    return scored.map(({ p, score: s }) => ({
      id: p.id,
      version: p.version,
      score: s,
      ...(b.with_payload === true ? { payload: p.payload } : {}),
    }));
  }

  /**
   * Like Qdrant: the stored points among `ids` in no particular order (here: storage order),
   * with the payload unless `with_payload: false`.
   */
  #retrieve(c: PeerCollection, b: Json): Json[] {
    const wanted = new Set((b.ids as Id[]).map(idKey));
    const found = [...c.points.values()].filter((p) => wanted.has(idKey(p.id)));
    return found.map((p) => ({
      id: p.id,
      ...(b.with_payload === false ? {} : { payload: p.payload }),
      ...(b.with_vector === true ? { vector: this.#storedVector(c, p.vector) } : {}),
    }));
  }

  /** Qdrant keeps cosine vectors normalized and returns them so. */
  #storedVector(c: PeerCollection, vector: number[]): number[] {
    const distance = (c.create.vectors as { distance: string }).distance;
    if (distance !== 'Cosine') return vector;
    const n = norm(vector);
    return vector.map((x) => x / n);
  }

  /** Points whose payload holds `field` at the top level: what Qdrant counts as indexed. */
  #pointsWith(c: PeerCollection, field: string): number {
    return [...c.points.values()].filter((p) => field in p.payload).length;
  }

  /**
   * Like Qdrant's: collections with their local shard's size estimates from details level 3
   * (here: 4 bytes per float, and the payloads' JSON).
   */
  #telemetry(level: number): Json {
    const collections = [...this.collections].map(([id, c]) => {
      if (level < 3) return { id };
      const points = [...c.points.values()];
      const local = {
        total_optimized_points: 0,
        num_points: points.length,
        vectors_size_bytes: points.reduce((sum, p) => sum + 4 * p.vector.length, 0),
        payloads_size_bytes: points.reduce((sum, p) => sum + JSON.stringify(p.payload).length, 0),
      };
      return { id, shards: [{ id: 0, local, remote: [], replicate_states: {} }] };
    });
    return {
      id: 'qdrant-spec-peer',
      collections: { number_of_collections: this.collections.size, collections },
    };
  }

  #info(c: PeerCollection): Json {
    const create = c.create as Json & { vectors: Json; hnsw_config?: Json };
    return {
      status: 'green',
      optimizer_status: 'ok',
      // Approximate like Qdrant's: deleted points linger until the optimiser vacuums them.
      points_count: c.points.size + c.deletedPoints,
      indexed_vectors_count: 0,
      segments_count: 1,
      payload_schema: Object.fromEntries(
        [...c.indexes].map(([field, schema]) => [
          field,
          typeof schema === 'string'
            ? { data_type: schema, points: this.#pointsWith(c, field) }
            : { data_type: schema.type, params: schema, points: this.#pointsWith(c, field) },
        ]),
      ),
      config: {
        params: {
          vectors: create.vectors,
          shard_number: create.shard_number ?? 1,
          replication_factor: create.replication_factor ?? 1,
          write_consistency_factor: create.write_consistency_factor ?? 1,
          on_disk_payload: create.on_disk_payload ?? true,
        },
        hnsw_config: {
          m: 16,
          ef_construct: 100,
          full_scan_threshold: 10000,
          max_indexing_threads: 0,
          on_disk: false,
          ...create.hnsw_config,
        },
        optimizer_config: {
          deleted_threshold: 0.2,
          vacuum_min_vector_number: 1000,
          default_segment_number: 0,
          flush_interval_sec: 5,
        },
        wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
        ...(create.metadata === undefined ? {} : { metadata: create.metadata }),
      },
    };
  }
}
