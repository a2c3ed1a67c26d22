import { rm } from 'node:fs/promises';
import type { Progress } from '../cli/index.js';
import { Distance, type Logger } from '../domain/index.js';
import { createEmbeddedVectorStore } from '../stores/index.js';
import type { SyntheticTable } from './dataset.js';
import { LatencyRecorder } from './latency.js';
import { RateSeries } from './rate-series.js';
import type { IngestRun } from './ingest-stream.js';

/**
 * The direct baseline: the embedded store adapter the server uses, called in this process with
 * the same rows in the same batches, one write after another as UpsertStream does, with no
 * gRPC, no validation and no events. What the service adds on top is its overhead.
 */
export async function directIngest(
  table: SyntheticTable,
  collection: string,
  batchSize: number,
  dataDir: string,
  logger: Logger,
  signal: AbortSignal,
  progress?: Progress,
): Promise<IngestRun & { readonly stored: number }> {
  const store = await createEmbeddedVectorStore({ dataDir, logger });
  const latency = new LatencyRecorder();
  const series = new RateSeries();
  const errors: string[] = [];
  let acked = 0;
  let batches = 0;
  let stored = 0;
  let durationMs = 0;
  try {
    await store.createCollection(collection, { vectorSize: table.dims, distance: Distance.Cosine });
    const started = performance.now();
    try {
      for (const points of table.domainBatches(batchSize)) {
        signal.throwIfAborted();
        const sent = performance.now();
        await store.upsert(collection, points);
        latency.record(performance.now() - sent);
        acked += points.length;
        batches += 1;
        series.add(points.length);
        progress?.advance(points.length);
      }
    } catch (err) {
      errors.push(`direct upsert failed after ${acked} points: ${(err as Error).message}`);
    }
    durationMs = performance.now() - started;
    stored = (await store.getCollection(collection))?.pointsCount ?? 0;
  } finally {
    await store.close();
    // A million vectors is gigabytes; the baseline's copy is of no further use.
    await rm(dataDir, { recursive: true, force: true });
  }
  const seconds = durationMs / 1000;
  return {
    sent: table.count,
    acked,
    stored,
    batches,
    rejectedBatches: 0,
    reconnects: 0,
    durationMs,
    vectorsPerS: acked / seconds,
    mbPerS: (acked * table.dims * 4) / 1e6 / seconds,
    series: series.points(),
    batchLatency: latency.stats(),
    errors,
  };
}
