import type { Table } from '@lancedb/lancedb';
import type { Vector } from 'apache-arrow';
import type { Payload } from '../domain/types.js';
import { TopK } from './embedded-scoring.js';
import type { Scorer } from './embedded-scoring.js';
import { forEachVector } from './lance-arrow.js';

// Filters run in JS over the payload JSON so every store shares one implementation of
// Qdrant's semantics (filter-match.ts). Each scan reads one table version, so it is consistent.

/** A compiled filter (see filter-match.ts). */
export type PayloadPredicate = (payload: Payload) => boolean;

/** What a payload scan found: how many rows match, and the ids of the first `idLimit`. */
export interface PayloadScan {
  readonly rows: number;
  readonly matches: number;
  readonly ids: string[];
}

/**
 * Scans the payload column, counting matches and keeping up to `idLimit` matching ids. A
 * prefilter (lance-payload-columns.ts) narrows the scan to the rows it admits; `rows` then
 * counts those.
 */
export async function scanPayloads(
  table: Table,
  predicate: PayloadPredicate,
  idLimit: number,
  prefilter?: string,
): Promise<PayloadScan> {
  let rows = 0;
  let matches = 0;
  const ids: string[] = [];
  const columns = idLimit > 0 ? ['id', 'payload'] : ['payload'];
  const query = table.query().select(columns);
  for await (const batch of prefilter === undefined ? query : query.where(prefilter)) {
    const payloads = batch.getChild('payload') as Vector;
    const idColumn = batch.getChild('id');
    for (let row = 0; row < batch.numRows; row++) {
      if (!predicate(JSON.parse(payloads.get(row) as string) as Payload)) continue;
      if (++matches <= idLimit) ids.push(idColumn!.get(row) as string);
    }
    rows += batch.numRows;
  }
  return { rows, matches, ids };
}

/** A hit of a JS scan: the stored id key, the score and the payload JSON when read. */
export interface ScanHit {
  readonly id: string;
  readonly score: number;
  readonly payload: string | undefined;
}

/**
 * Exact top `limit` by scoring every stored vector in JS: for distances LanceDB lacks
 * (manhattan). Reads the whole vector column, so it is the slow path.
 */
export async function scanSearch(
  table: Table,
  scorer: Scorer,
  higherBetter: boolean,
  query: Float32Array,
  options: { limit: number; predicate: PayloadPredicate | undefined; withPayload: boolean },
): Promise<ScanHit[]> {
  const { predicate } = options;
  const top = new TopK<{ id: string; payload: string | undefined }>(options.limit, higherBetter);
  const needPayload = predicate !== undefined || options.withPayload;
  const columns = needPayload ? ['id', 'vector', 'payload'] : ['id', 'vector'];
  for await (const batch of table.query().select(columns)) {
    const ids = batch.getChild('id') as Vector;
    const payloads = batch.getChild('payload');
    forEachVector(batch.getChild('vector') as Vector, (row, values, offset) => {
      const payload = payloads?.get(row) as string | undefined;
      if (predicate !== undefined && !predicate(JSON.parse(payload!) as Payload)) return;
      const score = scorer(query, values, offset);
      if (top.accepts(score)) top.add(score, { id: ids.get(row) as string, payload });
    });
  }
  return top.result().map(({ score, item }) => ({ id: item.id, score, payload: item.payload }));
}
