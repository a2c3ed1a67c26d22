import { Bool, Field, Float64, Int64, Utf8, vectorFromArray } from 'apache-arrow';
import type { Data, DataType, Schema } from 'apache-arrow';
import type {
  CollectionConfig,
  Condition,
  Filter,
  MatchValue,
  Payload,
  PayloadIndex,
  PayloadIndexType,
  RangeBounds,
} from '../domain/types.js';
import { sqlString } from './lance-sql.js';

// A declared payload index becomes a column of the table holding the key's value when it has
// the index's type, so a filter on it is a SQL prefilter LanceDB evaluates natively instead of
// a parse of every payload. Values a column cannot hold (an array, another type, a nested
// object) set the row's OTHER_COLUMN flag instead, and a flagged row passes every prefilter:
// the prefilter is a superset, and the JSON predicate (filter-match.ts) still decides each row.

/** True on a row where some indexed key holds a value its column cannot. */
export const OTHER_COLUMN = 'payload_index_other';

/** A declared payload index the table has a column for. */
export interface PayloadColumn {
  readonly key: string;
  readonly type: PayloadIndexType;
  readonly column: string;
}

const COLUMN_TYPES: Readonly<Record<PayloadIndexType, () => DataType>> = {
  keyword: () => new Utf8(),
  integer: () => new Int64(),
  float: () => new Float64(),
  bool: () => new Bool(),
};

function columnName(key: string): string {
  return `payload_index_${key}`;
}

/** The columns a new table gets for `config`'s payload indexes (none without any). */
export function payloadIndexFields(config: CollectionConfig): Field[] {
  const indexes = config.payloadIndexes ?? [];
  if (indexes.length === 0) return [];
  return [
    ...indexes.map((index) => new Field(columnName(index.key), COLUMN_TYPES[index.type](), true)),
    new Field(OTHER_COLUMN, new Bool(), false),
  ];
}

/** The payload indexes `schema` has columns for: none on a table made before they existed. */
export function payloadColumns(schema: Schema, config: CollectionConfig): PayloadColumn[] {
  const names = new Set(schema.fields.map((field) => field.name));
  if (!names.has(OTHER_COLUMN)) return [];
  return (config.payloadIndexes ?? [])
    .map((index: PayloadIndex) => ({ ...index, column: columnName(index.key) }))
    .filter((index) => names.has(index.column));
}

/** A value as its column holds it: null when the key is missing, OTHER when it cannot. */
const OTHER = Symbol('other');
function columnValue(type: PayloadIndexType, value: unknown): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'keyword':
      return typeof value === 'string' ? value : OTHER;
    case 'integer':
      return Number.isSafeInteger(value) ? BigInt(value as number) : OTHER;
    case 'float':
      return typeof value === 'number' ? value : OTHER;
    case 'bool':
      return typeof value === 'boolean' ? value : OTHER;
  }
}

/** The payload columns' data for a batch, in `payloadIndexFields` order. */
export function payloadColumnData(
  columns: readonly PayloadColumn[],
  payloads: readonly Payload[],
): Data[] {
  const other = payloads.map(() => false);
  const data = columns.map((index) => {
    const values = payloads.map((payload, row) => {
      const value = columnValue(
        index.type,
        Object.hasOwn(payload, index.key) ? payload[index.key] : undefined,
      );
      if (value !== OTHER) return value;
      other[row] = true;
      return null;
    });
    return vectorFromArray(values, COLUMN_TYPES[index.type]()).data[0]!;
  });
  return [...data, vectorFromArray(other, new Bool()).data[0]!];
}

/**
 * A SQL prefilter for `filter`'s `must` conditions on indexed keys, every row that can match
 * included; undefined when no condition is on an indexed key. `should` and `mustNot` are left
 * to the JSON predicate.
 */
export function payloadPrefilter(
  filter: Filter,
  columns: readonly PayloadColumn[],
): string | undefined {
  const byKey = new Map(columns.map((column) => [column.key, column]));
  const parts: string[] = [];
  for (const condition of filter.must) {
    const column = byKey.get(condition.key);
    if (column !== undefined) parts.push(conditionSql(condition, column));
  }
  if (parts.length === 0) return undefined;
  return `(${parts.join(' AND ')}) OR ${OTHER_COLUMN}`;
}

function conditionSql(condition: Condition, column: PayloadColumn): string {
  const name = `\`${column.column}\``;
  if ('match' in condition) return matchSql(name, column.type, condition.match);
  if (column.type !== 'integer' && column.type !== 'float') return 'false';
  return rangeSql(name, condition.range);
}

/** Qdrant's match (filter-match.ts): same JSON type, and a number matches integers only. */
function matchSql(name: string, type: PayloadIndexType, value: MatchValue): string {
  if (typeof value === 'string')
    return type === 'keyword' ? `${name} = ${sqlString(value)}` : 'false';
  if (typeof value === 'boolean') return type === 'bool' ? `${name} = ${value}` : 'false';
  const numeric = type === 'integer' || type === 'float';
  return numeric && Number.isSafeInteger(value) ? `${name} = ${value}` : 'false';
}

function rangeSql(name: string, range: RangeBounds): string {
  const bounds: [number | undefined, string][] = [
    [range.gt, '>'],
    [range.gte, '>='],
    [range.lt, '<'],
    [range.lte, '<='],
  ];
  const parts = bounds
    .filter(([bound]) => bound !== undefined)
    .map(([bound, op]) => `${name} ${op} ${numberSql(bound!)}`);
  return parts.length === 0 ? 'true' : parts.join(' AND ');
}

/** A finite number as a SQL literal DataFusion reads back exactly. */
function numberSql(value: number): string {
  if (Number.isSafeInteger(value)) return String(value);
  return `CAST('${value}' AS DOUBLE)`;
}
