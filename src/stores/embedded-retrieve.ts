import type { Table } from '@lancedb/lancedb';
import type { Vector } from 'apache-arrow';
import { pointIdFromKey, pointIdKey } from '../domain/point-id.js';
import type { Payload, RetrievedPoint, RetrieveQuery } from '../domain/types.js';
import { forEachVector } from './lance-arrow.js';
import { idIn } from './lance-sql.js';

// DataFusion evaluates long IN lists slowly (see DEFAULT_IN_LIST_MAX in embedded-search.ts).
const IDS_PER_QUERY = 256;

/**
 * The stored points among `query.ids`, each once, in the order of their first mention; ids
 * not stored are left out. Vectors come back in stored form (normalized for cosine).
 */
export async function retrievePoints(
  table: Table,
  vectorSize: number,
  query: RetrieveQuery,
): Promise<RetrievedPoint[]> {
  const keys = [...new Set(query.ids.map(pointIdKey))];
  const columns = ['id'];
  if (query.withPayload) columns.push('payload');
  if (query.withVector) columns.push('vector');
  const found = new Map<string, RetrievedPoint>();
  for (let start = 0; start < keys.length; start += IDS_PER_QUERY) {
    const where = idIn(keys.slice(start, start + IDS_PER_QUERY));
    for await (const batch of table.query().where(where).select(columns)) {
      const ids = batch.getChild('id') as Vector;
      const payloads = batch.getChild('payload');
      const vectors: Float32Array[] = [];
      const vectorColumn = batch.getChild('vector');
      if (vectorColumn !== null) {
        forEachVector(vectorColumn, (row, values, offset) => {
          vectors[row] = values.slice(offset, offset + vectorSize);
        });
      }
      for (let row = 0; row < batch.numRows; row++) {
        const key = ids.get(row) as string;
        const payload = payloads?.get(row) as string | undefined;
        const vector = vectors[row];
        found.set(key, {
          id: pointIdFromKey(key),
          ...(payload === undefined ? {} : { payload: JSON.parse(payload) as Payload }),
          ...(vector === undefined ? {} : { vector }),
        });
      }
    }
  }
  return keys.flatMap((key) => found.get(key) ?? []);
}
