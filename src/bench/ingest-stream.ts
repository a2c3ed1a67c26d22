import { streamUpserts, type Connection, type StreamBatch } from '../client/index.js';
import type { Progress } from '../logging/index.js';
import { Operation } from '../domain/index.js';
import type { SyntheticTable } from './dataset.js';
import { LatencyRecorder, type LatencyStats } from './latency.js';
import type { Encoding } from './profiles.js';
import { RateSeries, type RatePoint } from './rate-series.js';
import type { AckMark } from './segments.js';
import type { ClientTally } from './tally.js';

/** How one stream is fed. */
export interface IngestRunOptions {
  readonly batchSize: number;
  readonly encoding: Encoding;
  readonly window: number;
  /** Rows [from, to) of the table; all rows by default. */
  readonly from?: number;
  readonly to?: number;
  /** Advanced per acked batch; the caller finishes it. */
  readonly progress?: Progress;
  readonly signal?: AbortSignal;
  /** Counts the calls for the cross-check (service under test only). */
  readonly tally?: { readonly tally: ClientTally; readonly collection: string };
}

/** What one UpsertStream run achieved, measured on the client. */
export interface IngestRun {
  readonly sent: number;
  readonly acked: number;
  readonly batches: number;
  readonly rejectedBatches: number;
  readonly reconnects: number;
  readonly durationMs: number;
  readonly vectorsPerS: number;
  /** Vector payload only (dims × 4 bytes per point), 10^6 bytes. */
  readonly mbPerS: number;
  readonly series: readonly RatePoint[];
  /** From handing a batch to the stream to its ack. */
  readonly batchLatency: LatencyStats;
  /** Acknowledged points over time, one mark per ack: the per-segment rates come from it. */
  readonly marks: readonly AckMark[];
  readonly errors: readonly string[];
}

/** Streams rows of `table` through UpsertStream and measures it; never throws for a failed run. */
export async function streamIngest(
  connection: Connection,
  table: SyntheticTable,
  options: IngestRunOptions,
): Promise<IngestRun> {
  const from = options.from ?? 0;
  const to = options.to ?? table.count;
  const sentAt = new WeakMap<StreamBatch, number>();
  const latency = new LatencyRecorder();
  const series = new RateSeries();
  const progress = options.progress;
  const errors: string[] = [];
  const marks: AckMark[] = [];
  let sent = 0;
  let acked = 0;
  let batches = 0;
  let rejected = 0;
  let reconnects = 0;
  function* source(): Generator<StreamBatch> {
    for (const points of table.wireBatches(options.batchSize, options.encoding, from, to)) {
      const batch: StreamBatch = { tenantId: table.tenantId, table: table.table, points };
      sent += points.length;
      sentAt.set(batch, performance.now());
      yield batch;
    }
  }
  const started = performance.now();
  try {
    const result = await streamUpserts(connection, source(), {
      window: options.window,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onAck: (ack, batch) => {
        const ms = performance.now() - (sentAt.get(batch) ?? started);
        latency.record(ms);
        series.add(ack.upserted);
        progress?.advance(batch.points.length);
        batches += 1;
        acked += ack.upserted;
        marks.push([performance.now() - started, acked]);
        if (ack.errors.length > 0) rejected += 1;
        options.tally?.tally.record(Operation.Upsert, options.tally.collection, {
          latencyMs: ms,
          points: batch.points.length,
          error: ack.errors.length > 0,
        });
      },
    });
    reconnects = result.reconnects;
    for (const r of result.rejected.slice(0, 5))
      errors.push(`batch ${r.seq} rejected: ${r.errors[0]?.field}: ${r.errors[0]?.message}`);
  } catch (err) {
    errors.push(`stream failed after ${acked} acked points: ${(err as Error).message}`);
  }
  const durationMs = performance.now() - started;
  if (options.tally !== undefined) {
    // One server-side stream per attempt, each evented as closed under its collection. The
    // bench's admin-key stream events its opening with its first batch's tenant and no
    // collection, so openings are counted under the empty collection.
    const { tally, collection } = options.tally;
    for (let i = 0; i <= reconnects; i++) {
      tally.record(Operation.StreamOpened, '', { latencyMs: 0 });
      // A closed stream's event carries the points it wrote: all of them when it never broke.
      tally.record(Operation.StreamClosed, collection, {
        latencyMs: durationMs,
        points: reconnects === 0 ? acked : 0,
      });
    }
  }
  return ingestRunFigures(
    { sent, acked, batches, rejectedBatches: rejected, reconnects, durationMs, marks, errors },
    table.dims,
    series,
    latency,
  );
}

/** A run's figures from what it counted: rates over its duration, the series and latency. */
export function ingestRunFigures(
  counted: Omit<IngestRun, 'vectorsPerS' | 'mbPerS' | 'series' | 'batchLatency'>,
  dims: number,
  series: RateSeries,
  latency: LatencyRecorder,
): IngestRun {
  const seconds = counted.durationMs / 1000;
  return {
    ...counted,
    vectorsPerS: counted.acked / seconds,
    mbPerS: (counted.acked * dims * 4) / 1e6 / seconds,
    series: series.points(),
    batchLatency: latency.stats(),
  };
}
