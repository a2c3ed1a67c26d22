import { readFile, rm, stat, writeFile, rename } from 'node:fs/promises';
import { status, type ServiceError } from '@grpc/grpc-js';
import {
  connect,
  streamUpserts,
  vectorAdminApi,
  type Connection,
  type StreamBatch,
} from '../client/index.js';
import type { CollectionConfig } from '../gen/vectoradmin/v1/vectoradmin.js';
import { UsageError, parse, positiveInt, required } from './args.js';
import type { CliCommand } from './args.js';
import { clientOptions } from './client-options.js';
import { batchRejection } from './batch-rejection.js';
import { COLLECTION_OPTIONS, collectionConfigFromFlags } from './collections-command.js';
import { toJson } from './format.js';
import { JsonlError, countLines, jsonlBatches } from './jsonl-points.js';
import { Progress } from '../logging/index.js';

/** The command's flags (also what its --help lists). */
export const INGEST_OPTIONS = {
  // --size and --distance: the collection to create when the table does not exist yet.
  ...COLLECTION_OPTIONS,
  'batch-size': { type: 'string' },
  window: { type: 'string' },
  encoding: { type: 'string', default: 'f32le' },
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
 * an interrupted run resume after the last acknowledged batch (--restart ignores it). Every bad
 * record is reported as `file:line: reason`; anything rejected makes the exit code 1.
 */
export const ingestCommand: CliCommand = async (argv, config, out) => {
  const { values, positionals } = parse(argv, OPTIONS);
  const file = positionals[0];
  if (file === undefined) throw new UsageError('ingest needs a FILE');
  const table = required(values.table, 'table');
  const encoding = values.encoding;
  if (encoding !== 'f32le' && encoding !== 'dense')
    throw new UsageError('--encoding must be f32le or dense');
  const batchSize = positiveInt(values['batch-size'], 'batch-size', 256);
  const checkpointFile = `${file}.checkpoint.json`;
  const info = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw err.code === 'ENOENT' ? new JsonlError(`no such file: ${file}`) : err;
  });
  const resumed = values.restart
    ? undefined
    : await readCheckpoint(checkpointFile, info.size, info.mtimeMs);
  const skip = resumed?.ackedLines ?? 0;
  const autoCreate = autoCreateConfig(values);
  const connection = connect(clientOptions(config, values));
  let saving = Promise.resolve();
  try {
    // Before streaming: an unknown collection, a refused key or tenant would fail every batch
    // alike, and the collection's size lets each bad vector be reported by its line.
    const vectorSize = await collectionVectorSize(connection, values.tenant, table, autoCreate);
    // A progress line only for a person watching: piped or logged output gets the totals alone.
    const progress =
      process.stdout.isTTY && process.stderr.isTTY
        ? new Progress('lines', await countLines(file))
        : undefined;
    progress?.advance(skip);
    const started = performance.now();
    let rejected = 0;
    let droppedWithBatch = 0;
    const report = (where: string, reason: string) => process.stderr.write(`${where}: ${reason}\n`);
    const reject = (where: string, reason: string) => {
      rejected += 1;
      progress?.advance(1);
      report(where, reason);
    };
    const linesOf = new WeakMap<StreamBatch, number[]>();
    async function* batches(): AsyncGenerator<StreamBatch> {
      const read = jsonlBatches(file as string, {
        batchSize,
        encoding: encoding as 'f32le',
        skipLines: skip,
        ...(vectorSize === undefined ? {} : { vectorSize }),
        onBadLine: reject,
      });
      for await (const { lines, points } of read) {
        const batch: StreamBatch = {
          tenantId: values.tenant,
          table,
          points,
          ...(autoCreate === undefined ? {} : { autoCreate }),
        };
        linesOf.set(batch, lines);
        yield batch;
      }
    }
    let lastSave = 0;
    const result = await streamUpserts(connection, batches(), {
      window: positiveInt(values.window, 'window', 8),
      onAck: (ack, batch) => {
        progress?.advance(batch.points.length);
        const lines = linesOf.get(batch) ?? [];
        // A rejected batch is rejected whole: its good points were not written either.
        if (ack.errors.length > 0) {
          const reports = batchRejection(file, lines, ack.errors);
          for (const r of reports) report(r.where, r.reason);
          rejected += batch.points.length;
          droppedWithBatch += reports.length - ack.errors.length;
        }
        if (Date.now() - lastSave > 1000) {
          lastSave = Date.now();
          const ackedLines = lines.at(-1) ?? 0;
          saving = saving.then(() =>
            writeCheckpoint(checkpointFile, { size: info.size, mtimeMs: info.mtimeMs, ackedLines }),
          );
        }
      },
    });
    progress?.finish();
    await saving;
    await rm(checkpointFile, { force: true });
    const summary = {
      file,
      table,
      skippedLines: skip,
      batches: result.batches,
      upserted: result.upserted,
      rejected,
      droppedWithBatch,
      rejectedBatches: result.rejected.length,
      reconnects: result.reconnects,
      pointsPerSecond: Math.round(result.upserted / ((performance.now() - started) / 1000)),
    };
    out(
      values.json
        ? toJson(summary)
        : `${summary.upserted} written, ${rejected} rejected${
            droppedWithBatch > 0 ? ` (${droppedWithBatch} good, dropped with their batch)` : ''
          }; re-running is safe`,
    );
    if (rejected > 0) process.exitCode = 1;
  } finally {
    await saving;
    connection.close();
  }
};

function autoCreateConfig(values: {
  size?: string | undefined;
  distance?: string | undefined;
}): CollectionConfig | undefined {
  return values.size === undefined && values.distance === undefined
    ? undefined
    : collectionConfigFromFlags(values);
}

// The size every vector must have: the collection's, or --size for one created on the way.
async function collectionVectorSize(
  connection: Connection,
  tenantId: string,
  table: string,
  autoCreate: CollectionConfig | undefined,
): Promise<number | undefined> {
  try {
    const found = await vectorAdminApi(connection).getCollection({ tenantId, table });
    return found.config?.vectorSize;
  } catch (err) {
    if ((err as Partial<ServiceError>).code !== status.NOT_FOUND) throw err;
    if (autoCreate === undefined)
      throw new UsageError(
        `no collection ${table} here: create it (collections ensure) or pass --size to create it while ingesting`,
      );
    return autoCreate.vectorSize > 0 ? autoCreate.vectorSize : undefined;
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
