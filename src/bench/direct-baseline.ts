import { rm } from 'node:fs/promises';
import {
  Distance,
  PayloadIndexType,
  type CollectionConfig,
  type Logger,
  type Point,
  type VectorStore,
} from '../domain/index.js';
import type { Progress } from '../logging/index.js';
import type { SyntheticTable } from './dataset.js';
import { LatencyRecorder } from './latency.js';
import { SELECTIVITY_KEYS } from './payloads.js';
import { RateSeries } from './rate-series.js';
import { ingestRunFigures, type IngestRun } from './ingest-stream.js';
import type { AckMark } from './segments.js';

/**
 * The stores the in-process baselines measure, handed in by the entry point that wires the
 * adapters (bench knows the store only through this port and the domain's VectorStore).
 */
export interface BaselineStores {
  /** The embedded adapter the server uses, on `dataDir`. */
  openStore(options: { dataDir: string; logger: Logger }): Promise<VectorStore>;
  /** A bare append of the rows as the adapter prepares them: what an upsert cannot beat. */
  openAppendFloor(
    dataDir: string,
    collection: string,
    config: CollectionConfig,
  ): Promise<AppendFloor>;
}

/** Appends batches and counts the rows kept. */
export interface AppendFloor {
  append(points: readonly Point[]): Promise<void>;
  count(): Promise<number>;
  close(): void;
}

/** An in-process ingest and the points its store held at the end. */
export type LocalIngestRun = IngestRun & { readonly stored: number };

/** What the service is asked to create for a bench collection, as the store sees it. */
export function benchStoreConfig(dims: number): CollectionConfig {
  return {
    vectorSize: dims,
    distance: Distance.Cosine,
    payloadIndexes: SELECTIVITY_KEYS.map(({ key }) => ({ key, type: PayloadIndexType.Integer })),
  };
}

/**
 * The direct baseline: the embedded store adapter the server uses, called in this process with
 * the same rows in the same batches, one write after another as UpsertStream does, with no
 * gRPC, no validation and no events. What the service adds on top is its overhead.
 */
export async function directIngest(
  stores: BaselineStores,
  table: SyntheticTable,
  collection: string,
  batchSize: number,
  dataDir: string,
  logger: Logger,
  signal: AbortSignal,
  progress?: Progress,
): Promise<LocalIngestRun> {
  const store = await stores.openStore({ dataDir, logger });
  try {
    await store.createCollection(collection, benchStoreConfig(table.dims));
    return await timedWrites(
      table,
      batchSize,
      signal,
      progress,
      'direct upsert',
      (points) => store.upsert(collection, points),
      async () => (await store.getCollection(collection))?.pointsCount ?? 0,
    );
  } finally {
    await store.close();
    // A million vectors is gigabytes; the baseline's copy is of no further use.
    await rm(dataDir, { recursive: true, force: true });
  }
}

/**
 * The store floor: the same batches appended with no merge on id, no index and no queue. The
 * direct baseline ÷ this is what matching ids costs.
 */
export async function floorIngest(
  stores: BaselineStores,
  table: SyntheticTable,
  collection: string,
  batchSize: number,
  dataDir: string,
  signal: AbortSignal,
  progress?: Progress,
): Promise<LocalIngestRun> {
  const floor = await stores.openAppendFloor(dataDir, collection, benchStoreConfig(table.dims));
  try {
    return await timedWrites(
      table,
      batchSize,
      signal,
      progress,
      'store floor add',
      (points) => floor.append(points),
      () => floor.count(),
    );
  } finally {
    floor.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

// Writes the table's domain batches one after another, timing each, then counts what was kept.
async function timedWrites(
  table: SyntheticTable,
  batchSize: number,
  signal: AbortSignal,
  progress: Progress | undefined,
  label: string,
  write: (points: Point[]) => Promise<void>,
  count: () => Promise<number>,
): Promise<LocalIngestRun> {
  const latency = new LatencyRecorder();
  const series = new RateSeries();
  const errors: string[] = [];
  const marks: AckMark[] = [];
  let acked = 0;
  let batches = 0;
  const started = performance.now();
  try {
    for (const points of table.domainBatches(batchSize)) {
      signal.throwIfAborted();
      const sent = performance.now();
      await write(points);
      latency.record(performance.now() - sent);
      acked += points.length;
      batches += 1;
      marks.push([performance.now() - started, acked]);
      series.add(points.length);
      progress?.advance(points.length);
    }
  } catch (err) {
    errors.push(`${label} failed after ${acked} points: ${(err as Error).message}`);
  }
  const durationMs = performance.now() - started;
  const stored = await count();
  return {
    ...ingestRunFigures(
      {
        sent: table.count,
        acked,
        batches,
        rejectedBatches: 0,
        reconnects: 0,
        durationMs,
        marks,
        errors,
      },
      table.dims,
      series,
      latency,
    ),
    stored,
  };
}
