import {
  Field,
  FixedSizeList,
  Float32,
  RecordBatch,
  Schema,
  Struct,
  Table as ArrowTable,
  Utf8,
  makeData,
} from 'apache-arrow';
import type { Data, Vector } from 'apache-arrow';
import { VectorAdminError } from '../domain/errors.js';
import { Distance } from '../domain/types.js';
import type { CollectionConfig, Point } from '../domain/types.js';
import { lastWriteWins, pointIdKey } from '../domain/point-id.js';
import { vectorSizeProblem } from '../domain/batch-validation.js';
import { writeStoredVector } from './embedded-scoring.js';
import { payloadColumnData, payloadIndexFields } from './lance-payload-columns.js';
import type { PayloadColumn } from './lance-payload-columns.js';

/** Schema metadata key holding the collection config, so it commits with the table itself. */
const CONFIG_KEY = 'vectoradmin.collection_config';
const CONFIG_FORMAT = 1;

/** The table schema for a collection: string id, fixed-size float32 vector, JSON payload. */
export function collectionSchema(config: CollectionConfig, payloadIndexColumns = true): Schema {
  const metadata = new Map([[CONFIG_KEY, JSON.stringify({ format: CONFIG_FORMAT, ...config })]]);
  return new Schema(
    [
      new Field('id', new Utf8(), false),
      new Field('vector', vectorType(config.vectorSize), false),
      new Field('payload', new Utf8(), false),
      ...(payloadIndexColumns ? payloadIndexFields(config) : []),
    ],
    metadata,
  );
}

function vectorType(vectorSize: number): FixedSizeList<Float32> {
  return new FixedSizeList(vectorSize, new Field('item', new Float32(), true));
}

/** Reads the collection config back from a table schema; internal when it is not ours. */
export function configFromSchema(schema: Schema, name: string): CollectionConfig {
  const raw = schema.metadata.get(CONFIG_KEY);
  const parsed: unknown = raw === undefined ? undefined : JSON.parse(raw);
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    !('vectorSize' in parsed) ||
    typeof parsed.vectorSize !== 'number' ||
    !('distance' in parsed) ||
    !Object.values<unknown>(Distance).includes(parsed.distance)
  ) {
    throw new VectorAdminError('internal', `table "${name}" has no valid collection config`);
  }
  const config = { ...(parsed as CollectionConfig & { format?: number }) };
  delete config.format;
  return config;
}

/** Columns of one upsert batch, already deduplicated by id. */
export interface BatchColumns {
  readonly ids: readonly string[];
  /** Row-major, `ids.length * vectorSize` values. */
  readonly vectors: Float32Array;
  readonly payloads: readonly string[];
  /** The payload index columns (lance-payload-columns.ts), when the table has them. */
  readonly indexed: readonly Data[];
}

/**
 * Columns for mergeInsert: one row per id (the later point wins, as Qdrant applies a batch in
 * order), vectors in stored form. invalid_argument, before anything is written, for a vector
 * of the wrong size.
 */
export function upsertColumns(
  points: readonly Point[],
  config: CollectionConfig,
  columns: readonly PayloadColumn[] = [],
): BatchColumns {
  points.forEach((point, index) => {
    const problem = vectorSizeProblem(point.vector.length, config.vectorSize);
    if (problem !== undefined)
      throw VectorAdminError.invalidField(`points[${index}].vector`, problem);
  });
  const distinct = lastWriteWins(points);
  const vectors = new Float32Array(distinct.length * config.vectorSize);
  const payloads: string[] = [];
  for (const point of distinct) {
    writeStoredVector(config.distance, point.vector, vectors, payloads.length * config.vectorSize);
    payloads.push(JSON.stringify(point.payload));
  }
  const indexed =
    columns.length === 0
      ? []
      : payloadColumnData(
          columns,
          distinct.map((point) => point.payload),
        );
  return { ids: distinct.map((point) => pointIdKey(point.id)), vectors, payloads, indexed };
}

/**
 * Builds an Arrow table straight from a contiguous Float32Array: building FixedSizeList
 * data from JS number arrays is an order of magnitude slower (see docs/PLATFORM.md).
 */
export function batchTable(schema: Schema, columns: BatchColumns): ArrowTable {
  const length = columns.ids.length;
  const vectorField = schema.fields[1]!;
  const child = makeData({
    type: new Float32(),
    length: columns.vectors.length,
    data: columns.vectors,
  });
  const vectors = makeData({
    type: vectorField.type as FixedSizeList<Float32>,
    length,
    nullCount: 0,
    child,
  });
  const data = makeData({
    type: new Struct(schema.fields),
    length,
    nullCount: 0,
    children: [utf8Data(columns.ids), vectors, utf8Data(columns.payloads), ...columns.indexed],
  });
  return new ArrowTable(schema, [new RecordBatch(schema, data)]);
}

function utf8Data(values: readonly string[]): Data<Utf8> {
  const valueOffsets = new Int32Array(values.length + 1);
  let bytes = 0;
  for (let i = 0; i < values.length; i++) {
    bytes += Buffer.byteLength(values[i]!, 'utf8');
    valueOffsets[i + 1] = bytes;
  }
  const buffer = Buffer.allocUnsafe(bytes);
  for (let i = 0; i < values.length; i++) buffer.write(values[i]!, valueOffsets[i]!, 'utf8');
  const data = new Uint8Array(buffer.buffer, buffer.byteOffset, bytes);
  return makeData({ type: new Utf8(), length: values.length, nullCount: 0, valueOffsets, data });
}

/** Calls `visit(row, values, offset)` for each row of a FixedSizeList<Float32> column. */
export function forEachVector(
  column: Vector,
  visit: (row: number, values: Float32Array, offset: number) => void,
): void {
  let row = 0;
  for (const chunk of column.data) {
    const size = (chunk.type as FixedSizeList).listSize;
    const child = chunk.children[0]!;
    const values = child.values as Float32Array;
    for (let i = 0; i < chunk.length; i++) {
      visit(row++, values, child.offset + (chunk.offset + i) * size);
    }
  }
}
