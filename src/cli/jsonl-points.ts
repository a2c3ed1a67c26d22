import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { wireId, wireVector } from '../client/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';

/** One ETL record as a JSONL line: `{"id"|"record_id", "vector", "payload"}`. */
interface JsonlRecord {
  id?: number | string;
  record_id?: string;
  vector?: number[];
  payload?: Record<string, unknown>;
}

/** A batch of points read from lines `[firstLine, firstLine + points.length)`. */
export interface LineBatch {
  readonly firstLine: number;
  readonly points: pb.Point[];
}

/** A line that is not a usable record; the server validates everything else. */
export class JsonlError extends Error {
  override readonly name = 'JsonlError';
}

/** Reads a JSONL file in batches, skipping the first `skipLines` lines (a resumed run). */
export async function* jsonlBatches(
  file: string,
  batchSize: number,
  encoding: 'f32le' | 'dense',
  skipLines = 0,
): AsyncGenerator<LineBatch> {
  const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
  let lineNo = 0;
  let batch: pb.Point[] = [];
  let firstLine = skipLines;
  for await (const line of lines) {
    lineNo += 1;
    if (lineNo <= skipLines) continue;
    if (line.trim() === '') throw new JsonlError(`${file}:${lineNo}: empty line`);
    batch.push(toPoint(line, `${file}:${lineNo}`, encoding));
    if (batch.length === batchSize) {
      yield { firstLine, points: batch };
      firstLine += batch.length;
      batch = [];
    }
  }
  if (batch.length > 0) yield { firstLine, points: batch };
}

/** Lines in a file, for progress totals. */
export async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const chunk of createReadStream(file)) {
    for (const byte of chunk as Buffer) if (byte === 10) count += 1;
  }
  return count;
}

function toPoint(line: string, where: string, encoding: 'f32le' | 'dense'): pb.Point {
  let record: JsonlRecord;
  try {
    record = JSON.parse(line) as JsonlRecord;
  } catch (err) {
    throw new JsonlError(`${where}: not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(record.vector))
    throw new JsonlError(`${where}: "vector" must be an array of numbers`);
  let id: pb.PointId;
  if (record.record_id !== undefined) id = wireId({ recordId: String(record.record_id) });
  else if (typeof record.id === 'number') id = wireId(record.id);
  else if (typeof record.id === 'string')
    id = /^\d+$/.test(record.id) ? wireId(BigInt(record.id)) : wireId({ uuid: record.id });
  else throw new JsonlError(`${where}: needs "id" or "record_id"`);
  return {
    id,
    vector: wireVector(Float32Array.from(record.vector), encoding),
    payload: record.payload ?? {},
  };
}
