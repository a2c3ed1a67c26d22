import { readFile, rm, stat, writeFile, rename } from 'node:fs/promises';
import { connect, streamUpserts, type StreamBatch } from '../client/index.js';
import type { Config } from '../config/index.js';
import { Distance, distanceFromJSON } from '../gen/vectoradmin/v1/vectoradmin.js';
import { CLIENT_OPTIONS, UsageError, parse, positiveInt, required } from './args.js';
import { clientOptions } from './client-options.js';
import { toJson } from './format.js';
import { countLines, jsonlBatches } from './jsonl-points.js';
import { Progress } from './progress.js';

/** The command's flags (also what its --help lists). */
export const INGEST_OPTIONS = {
  ...CLIENT_OPTIONS,
  table: { type: 'string' },
  'batch-size': { type: 'string' },
  window: { type: 'string' },
  encoding: { type: 'string', default: 'f32le' },
  size: { type: 'string' },
  distance: { type: 'string' },
  restart: { type: 'boolean', default: false },
} as const;
const OPTIONS = INGEST_OPTIONS;

/** Where a run got to: lines acknowledged of a file of this size and mtime. */
interface Checkpoint {
  readonly size: number;
  readonly mtimeMs: number;
  readonly ackedLines: number;
}

/**
 * `vector-admin ingest FILE --table T`: streams a JSONL file; a checkpoint beside the file lets
 * an interrupted run resume after the last acknowledged batch (--restart ignores it).
 */
export async function ingestCommand(
  argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  const { values, positionals } = parse(argv, OPTIONS);
  const file = positionals[0];
  if (file === undefined) throw new UsageError('ingest needs a FILE');
  const table = required(values.table, 'table');
  const encoding = values.encoding;
  if (encoding !== 'f32le' && encoding !== 'dense')
    throw new UsageError('--encoding must be f32le or dense');
  const batchSize = positiveInt(values['batch-size'], 'batch-size', 256);
  const checkpointFile = `${file}.checkpoint.json`;
  const info = await stat(file);
  const resumed = values.restart
    ? undefined
    : await readCheckpoint(checkpointFile, info.size, info.mtimeMs);
  const skip = resumed?.ackedLines ?? 0;
  const total = await countLines(file);
  const progress = new Progress('points', total);
  progress.advance(skip);
  const autoCreate =
    values.size === undefined && values.distance === undefined
      ? undefined
      : {
          vectorSize: positiveInt(values.size, 'size', 0),
          distance:
            values.distance === undefined
              ? Distance.DISTANCE_UNSPECIFIED
              : distanceFromJSON(`DISTANCE_${values.distance.toUpperCase()}`),
          tenancy: 0,
        };
  const lineOf = new WeakMap<StreamBatch, number>();
  async function* batches(): AsyncGenerator<StreamBatch> {
    for await (const { firstLine, points } of jsonlBatches(
      file as string,
      batchSize,
      encoding as 'f32le',
      skip,
    )) {
      const batch: StreamBatch = {
        tenantId: values.tenant,
        table,
        points,
        ...(autoCreate === undefined ? {} : { autoCreate }),
      };
      lineOf.set(batch, firstLine + points.length);
      yield batch;
    }
  }
  let saving = Promise.resolve();
  let lastSave = 0;
  const connection = connect(clientOptions(config, values));
  try {
    const result = await streamUpserts(connection, batches(), {
      window: positiveInt(values.window, 'window', 8),
      onAck: (ack, batch) => {
        progress.advance(batch.points.length);
        const acked = lineOf.get(batch) ?? 0;
        if (Date.now() - lastSave > 1000) {
          lastSave = Date.now();
          saving = saving.then(() =>
            writeCheckpoint(checkpointFile, {
              size: info.size,
              mtimeMs: info.mtimeMs,
              ackedLines: acked,
            }),
          );
        }
        for (const e of ack.errors)
          process.stderr.write(`batch ${ack.seq}: point ${e.index}: ${e.field}: ${e.message}\n`);
      },
    });
    progress.finish();
    await saving;
    await rm(checkpointFile, { force: true });
    const summary = {
      file,
      table,
      skippedLines: skip,
      batches: result.batches,
      upserted: result.upserted,
      rejectedBatches: result.rejected.length,
      reconnects: result.reconnects,
      pointsPerSecond: Math.round(progress.rate()),
    };
    out(
      values.json
        ? toJson(summary)
        : `ingested ${summary.upserted} points in ${summary.batches} batches (${summary.rejectedBatches} rejected, ${summary.reconnects} reconnects)`,
    );
    if (result.rejected.length > 0) process.exitCode = 1;
  } finally {
    await saving;
    connection.close();
  }
}

async function readCheckpoint(
  file: string,
  size: number,
  mtimeMs: number,
): Promise<Checkpoint | undefined> {
  try {
    const checkpoint = JSON.parse(await readFile(file, 'utf8')) as Checkpoint;
    return checkpoint.size === size && checkpoint.mtimeMs === mtimeMs ? checkpoint : undefined;
  } catch {
    return undefined;
  }
}

async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  await writeFile(`${file}.tmp`, JSON.stringify(checkpoint));
  await rename(`${file}.tmp`, file);
}
