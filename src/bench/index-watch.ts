import { setTimeout as sleep } from 'node:timers/promises';
import { Operation } from '../domain/index.js';
import { CollectionStatus, type Collection } from '../gen/vectoradmin/v1/vectoradmin.js';
import { round, tallied, type BenchContext } from './context.js';
import type { IndexSample, IndexWatchReport } from './report.js';

const STATUS_NAMES: Readonly<Record<number, string>> = {
  [CollectionStatus.COLLECTION_STATUS_GREEN]: 'green',
  [CollectionStatus.COLLECTION_STATUS_YELLOW]: 'yellow',
  [CollectionStatus.COLLECTION_STATUS_RED]: 'red',
};

/** A collection's index state in words, as GetCollection reports it. */
export function indexSample(collection: Collection, tS: number): IndexSample {
  return {
    t_s: round(tS, 1),
    points: Number(collection.pointsCount),
    indexed: Number(collection.indexedVectorsCount),
    status: STATUS_NAMES[collection.status] ?? 'unspecified',
  };
}

/**
 * Green: every point is in the index, or the collection is below the store's indexing
 * threshold (then green with none indexed, every search exact), as Qdrant reports it.
 */
export function caughtUp(sample: IndexSample): boolean {
  return sample.status === 'green';
}

/** The most points unindexed at once over the samples. */
export function maxLag(samples: readonly IndexSample[]): number {
  return samples.reduce((max, s) => Math.max(max, s.points - s.indexed), 0);
}

/**
 * Watches one collection's index through GetCollection (counted like every other call, so the
 * cross-check still balances): sampled every `intervalMs` while the ingest runs, then polled
 * until it is green or `waitMs` passes.
 */
export class IndexWatch {
  private readonly samples: IndexSample[] = [];
  private readonly started = performance.now();
  private sampling: Promise<void> | undefined;
  private stopSampling = false;

  constructor(
    private readonly ctx: BenchContext,
    private readonly ref: { readonly tenantId: string; readonly table: string },
    private readonly collection: string,
    private readonly intervalMs = 1_000,
  ) {}

  /** Starts sampling in the background (the collection must exist). */
  start(): void {
    this.sampling = (async () => {
      while (!this.stopSampling && !this.ctx.signal.aborted) {
        await this.sample().catch(() => undefined); // a missed sample only thins the curve
        await sleep(this.intervalMs);
      }
    })();
  }

  /** Stops the background sampling; then waits for the index to catch up. */
  async finish(waitMs: number): Promise<IndexWatchReport> {
    this.stopSampling = true;
    await this.sampling;
    const ingestEnd = await this.sample();
    const waitStarted = performance.now();
    let last = ingestEnd;
    while (!caughtUp(last) && performance.now() - waitStarted < waitMs) {
      this.ctx.signal.throwIfAborted();
      await sleep(Math.min(this.intervalMs, 250));
      last = await this.sample();
    }
    return {
      collection: this.collection,
      samples: this.samples,
      max_lag: maxLag(this.samples),
      at_ingest_end: ingestEnd,
      wait_s: round((performance.now() - waitStarted) / 1000, 1),
      wait_limit_s: round(waitMs / 1000, 1),
      caught_up: caughtUp(last),
      final: last,
    };
  }

  /**
   * Stops the background sampling and reports the samples taken so far, without waiting or
   * sampling again: what a run stopped before the wait keeps of its index curve.
   */
  async stopped(): Promise<IndexWatchReport> {
    this.stopSampling = true;
    await this.sampling;
    const last = this.samples[this.samples.length - 1];
    return {
      collection: this.collection,
      samples: this.samples,
      max_lag: maxLag(this.samples),
      ...(last === undefined ? {} : { at_ingest_end: last, final: last }),
      wait_s: 0,
      wait_limit_s: 0,
      caught_up: last !== undefined && caughtUp(last),
    };
  }

  /** The collection's state now, recorded. */
  async sample(): Promise<IndexSample> {
    const described = await tallied(
      this.ctx,
      Operation.GetCollection,
      this.collection,
      () => this.ctx.api.getCollection(this.ref),
      (c) => Number(c.pointsCount),
    );
    const sample = indexSample(described, (performance.now() - this.started) / 1000);
    this.samples.push(sample);
    return sample;
  }
}
