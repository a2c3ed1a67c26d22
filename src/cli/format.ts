import {
  Collection as CollectionMessage,
  type Collection,
} from '../gen/vectoradmin/v1/vectoradmin.js';

/** A plain-text table with aligned columns. */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** JSON with bigints as strings, the proto3 JSON convention for 64-bit integers. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2);
}

/** A 64-bit count as a JSON number, or as a string beyond 2^53 where a number would round. */
export function jsonInt(value: bigint): number | string {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
    ? Number(value)
    : value.toString();
}

/** A collection as `--json` prints it: proto3 JSON, but counts are numbers and zeros are shown. */
export function collectionJson(collection: Collection): unknown {
  return {
    ...(CollectionMessage.toJSON(collection) as object),
    pointsCount: jsonInt(collection.pointsCount),
    indexedVectorsCount: jsonInt(collection.indexedVectorsCount),
  };
}
