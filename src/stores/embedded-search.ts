import type { Table } from '@lancedb/lancedb';
import { pointIdFromKey } from '../domain/point-id.js';
import type { CollectionConfig, Payload, ScoredPoint, SearchQuery } from '../domain/types.js';
import { scanPayloads, scanSearch } from './embedded-scan.js';
import type { PayloadPredicate, ScanHit } from './embedded-scan.js';
import {
  higherIsBetter,
  lanceDistanceType,
  scoreFromLanceDistance,
  scorerFor,
  storedForm,
} from './embedded-scoring.js';
import type { AnnOptions } from './embedded-index.js';
import { compileFilter } from './filter-match.js';
import { idIn } from './lance-sql.js';
import { payloadPrefilter } from './lance-payload-columns.js';
import type { PayloadColumn } from './lance-payload-columns.js';

/**
 * Default for `inListMax`: up to this many matches, a filtered search prefilters natively with
 * `id IN (...)`. DataFusion evaluates long IN lists slowly (25k ids over 50k rows: ~1.5 s), so
 * beyond it the search oversamples unfiltered results instead.
 */
export const DEFAULT_IN_LIST_MAX = 512;

/**
 * Nearest neighbours with Qdrant's scores. LanceDB does the work for cosine, dot and euclid:
 * through the vector index when `ann` is given (rows the index does not cover yet are scanned
 * exactly and merged, since fastSearch is never set), else a flat (SIMD) scan. Filters are
 * evaluated in JS on the payload of every returned row, so a result always matches its filter;
 * manhattan, which LanceDB lacks, is scored in JS.
 */
export async function vectorSearch(
  collection: SearchedCollection,
  search: SearchQuery,
  ann: AnnOptions | undefined,
  inListMax = DEFAULT_IN_LIST_MAX,
): Promise<ScoredPoint[]> {
  const { table, config } = collection;
  const query = storedForm(config.distance, search.vector);
  const predicate = search.filter === undefined ? undefined : compileFilter(search.filter);
  const lanceType = lanceDistanceType(config.distance);
  if (lanceType === undefined) {
    const scorer = scorerFor(config.distance);
    const options = { limit: search.limit, predicate, withPayload: search.withPayload };
    const hits = await scanSearch(table, scorer, higherIsBetter(config.distance), query, options);
    return hits.map((hit) => toScoredPoint(hit, search.withPayload));
  }
  const native: NativeSearch = (limit, where, withPayload, exact = false) =>
    nativeSearch(table, config, lanceType, query, {
      limit,
      where,
      withPayload,
      ann: exact ? undefined : ann,
    });
  if (predicate === undefined) {
    const hits = await native(search.limit, undefined, search.withPayload);
    return hits.map((hit) => toScoredPoint(hit, search.withPayload));
  }
  const prefilter = payloadPrefilter(search.filter!, collection.payloadColumns);
  const hits =
    prefilter === undefined
      ? await filteredSearch(table, predicate, search.limit, inListMax, native)
      : await prefilteredSearch(table, predicate, search.limit, prefilter, native);
  return hits.map((hit) => toScoredPoint(hit, search.withPayload));
}

/** What a search reads of an open collection. */
export interface SearchedCollection {
  readonly table: Table;
  readonly config: CollectionConfig;
  readonly payloadColumns: readonly PayloadColumn[];
}

/**
 * Up to this many rows admitted by a payload index prefilter are ranked exactly; more go
 * through the vector index with the prefilter applied. LanceDB's exact search with a prefilter
 * costs about an unfiltered exact one (1,229 ms for 10,000 admitted rows of 1M, against 71 ms
 * through the index for 100,000: docs/BENCHMARKS.md, "Payload indexes on the embedded store"),
 * so only a few admitted rows, which an index pass could miss, are worth it.
 */
const EXACT_PREFILTER_ROWS = 1_000;

/**
 * A filtered search whose `must` conditions on indexed keys became a SQL prefilter: LanceDB
 * ranks only the rows it admits (a superset of the matches, lance-payload-columns.ts) and the
 * JSON predicate drops the rest, the search widening until `limit` rows match or the admitted
 * rows run out. An index pass that runs out early (its partitions held too few admitted rows)
 * ends with an exact one.
 */
async function prefilteredSearch(
  table: Table,
  predicate: PayloadPredicate,
  limit: number,
  where: string,
  native: NativeSearch,
): Promise<ScanHit[]> {
  const admitted = await table.countRows(where);
  if (admitted === 0) return [];
  let exact = admitted <= EXACT_PREFILTER_ROWS;
  for (let fetch = limit; ;) {
    const hits = await native(fetch, where, true, exact);
    const found = matching(hits, predicate);
    if (found.length >= limit) return found.slice(0, limit);
    const exhausted = hits.length < fetch || fetch >= admitted;
    if (exhausted && exact) return found;
    if (exhausted) exact = true;
    else fetch *= 4;
  }
}

type NativeSearch = (
  limit: number,
  where: string | undefined,
  withPayload: boolean,
  exact?: boolean,
) => Promise<ScanHit[]>;

/**
 * The top `limit` rows whose payload matches. A payload scan counts the matches first: few
 * are looked up by id and ranked exactly (cheap, and an ANN graph prefiltered down to a few
 * rows can miss some); many are found by fetching the unfiltered top `fetch` and filtering,
 * which is as good as the unfiltered search once `limit` matches are among them (every
 * unfetched row ranks lower), and `fetch` grows until they are; once it would cover the
 * whole table, the last round is an exact scan.
 */
async function filteredSearch(
  table: Table,
  predicate: PayloadPredicate,
  limit: number,
  inListMax: number,
  native: NativeSearch,
): Promise<ScanHit[]> {
  const scan = await scanPayloads(table, predicate, inListMax);
  if (scan.matches === 0) return [];
  if (scan.matches <= inListMax) {
    // Rechecked because a write may have landed since the scan.
    const where = idIn(scan.ids);
    return matching(await native(limit, where, true, true), predicate);
  }
  let fetch = Math.ceil(((limit * scan.rows) / scan.matches) * 2);
  for (;;) {
    const exhaustive = fetch >= scan.rows;
    const hits = await native(fetch, undefined, true, exhaustive);
    const found = matching(hits, predicate);
    if (found.length >= limit || exhaustive) return found.slice(0, limit);
    fetch *= 4;
  }
}

async function nativeSearch(
  table: Table,
  config: CollectionConfig,
  lanceType: 'dot' | 'l2',
  query: Float32Array,
  options: {
    limit: number;
    where: string | undefined;
    withPayload: boolean;
    ann: AnnOptions | undefined;
  },
): Promise<ScanHit[]> {
  let search = table
    .vectorSearch(query)
    .distanceType(lanceType)
    .limit(options.limit)
    .select(options.withPayload ? ['id', 'payload', '_distance'] : ['id', '_distance']);
  const { ann } = options;
  if (ann === undefined) search = search.bypassVectorIndex();
  // The graph walk hands `limit * refineFactor` candidates to the re-ranking and LanceDB
  // refuses an ef below that ("ef must be greater than or equal to k").
  else if (ann.kind === 'hnsw_sq') {
    const candidates = options.limit * ann.refineFactor;
    search = search.ef(Math.max(ann.breadth, candidates)).refineFactor(ann.refineFactor);
  } else {
    search = search.nprobes(ann.breadth).refineFactor(ann.refineFactor);
  }
  if (options.where !== undefined) search = search.where(options.where);
  const rows = (await search.toArray()) as { id: string; payload?: string; _distance: number }[];
  return rows.map((row) => ({
    id: row.id,
    score: scoreFromLanceDistance(config.distance, row._distance),
    payload: row.payload,
  }));
}

/** The hits whose payload (read with them) passes the filter. */
function matching(hits: ScanHit[], predicate: PayloadPredicate): ScanHit[] {
  return hits.filter((hit) => predicate(JSON.parse(hit.payload!) as Payload));
}

function toScoredPoint(hit: ScanHit, withPayload: boolean): ScoredPoint {
  const id = pointIdFromKey(hit.id);
  if (!withPayload || hit.payload === undefined) return { id, score: hit.score };
  return { id, score: hit.score, payload: JSON.parse(hit.payload) as Payload };
}
