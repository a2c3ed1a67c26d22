import { VectorAdminError } from './errors.js';
import type { SearchParams } from './types.js';

/**
 * Largest `hnsw_ef` a query may ask for. ef is the candidate list the graph walk keeps; past a
 * few thousand it only costs time (Qdrant's own examples stay in the hundreds).
 */
export const MAX_HNSW_EF = 4096;

/** Search params checked once for every store; invalid_argument naming `params.hnsw_ef`. */
export function validateSearchParams(params: SearchParams | undefined): SearchParams | undefined {
  if (params === undefined) return undefined;
  const { hnswEf } = params;
  if (hnswEf !== undefined && (!Number.isInteger(hnswEf) || hnswEf < 1 || hnswEf > MAX_HNSW_EF)) {
    throw VectorAdminError.invalidField('params.hnsw_ef', `must be 1-${MAX_HNSW_EF}`);
  }
  return params;
}
