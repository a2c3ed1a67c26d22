import type { SearchParams } from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';

/** The search params a request set; undefined when it set none (the store's defaults). */
export function searchParamsFromProto(
  params: pb.SearchParams | undefined,
): SearchParams | undefined {
  if (params === undefined) return undefined;
  // Bounds are the domain's (validateSearchParams), the same for every entry point.
  return {
    ...(params.exact ? { exact: true } : {}),
    ...(params.hnswEf === undefined ? {} : { hnswEf: params.hnswEf }),
  };
}
