import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { wireId, wirePayload, wireVector } from '../client/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';

/** One ETL record as a JSONL line: `{"id"|"record_id", "vector", "payload"}`. */
interface JsonlRecord {
  id?: number | string;
  record_id?: string;
  vector?: number[];
  payload?: Record<string, unknown>;
}

/** A batch of points and the 1-based line each came from. */
export interface LineBatch {
  readonly lines: number[];
  readonly points: pb.Point[];
}

/** A file that cannot be read as a whole (e.g. missing): one line, exit code 2. */
export class JsonlError extends Error {
  override readonly name = 'JsonlError';
}

/** How batches are read: size, wire encoding, lines to skip, the collection's vector size. */
export interface JsonlReadOptions {
  readonly batchSize: number;
  readonly encoding: 'f32le' | 'dense';
  /** Lines a resumed run skips. */
  readonly skipLines?: number;
  /** Vectors of another length are bad records, reported before anything is sent. */
  readonly vectorSize?: number;
  /** Called with `file:line: reason` for every record that is not sent. */
  readonly onBadLine: (where: string, reason: string) => void;
}

/** Reads a JSONL file in batches; bad records are reported with their line and left out. */
export async function* jsonlBatches(
  file: string,
  options: JsonlReadOptions,
): AsyncGenerator<LineBatch> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  let batch: LineBatch = { lines: [], points: [] };
  for await (const line of lines) {
    lineNo += 1;
    if (lineNo <= (options.skipLines ?? 0)) continue;
    const where = `${file}:${lineNo}`;
    const point = toPoint(line, options);
    if (typeof point === 'string') {
      options.onBadLine(where, point);
      continue;
    }
    batch.lines.push(lineNo);
    batch.points.push(point);
    if (batch.points.length === options.batchSize) {
      yield batch;
      batch = { lines: [], points: [] };
    }
  }
  if (batch.points.length > 0) yield batch;
}

/** Lines in a file, for progress totals. */
export async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(file)) {
    for (const byte of chunk as Buffer) if (byte === 10) count += 1;
  }
  return count;
}

// A point, or why the line is not one.
function toPoint(line: string, options: JsonlReadOptions): pb.Point | string {
  if (line.trim() === '') return 'empty line';
  let record: JsonlRecord;
  try {
    record = JSON.parse(line) as JsonlRecord;
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  if (!Array.isArray(record.vector)) return '"vector" must be an array of numbers';
  const size = options.vectorSize;
  if (size !== undefined && size > 0 && record.vector.length !== size)
    return `"vector" has ${record.vector.length} values; the collection's vectors have ${size}`;
  let id: pb.PointId;
  if (record.record_id !== undefined) id = wireId({ recordId: String(record.record_id) });
  else if (typeof record.id === 'number') id = wireId(record.id);
  else if (typeof record.id === 'string')
    id = /^\d+$/.test(record.id) ? wireId(BigInt(record.id)) : wireId({ uuid: record.id });
  else return 'needs "id" or "record_id"';
  const payload = record.payload ?? {};
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    return '"payload" must be a JSON object';
  return {
    id,
    vector: wireVector(Float32Array.from(record.vector), options.encoding),
    ...wirePayload(payload, options.encoding),
  };
}
