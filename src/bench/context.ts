import type { Connection, VectorAdminApi } from '../client/index.js';
import { Progress } from '../logging/index.js';
import type { CollectionNaming, Operation } from '../domain/index.js';
import {
  Distance,
  PayloadIndexType,
  type CollectionConfig,
} from '../gen/vectoradmin/v1/vectoradmin.js';
import { SELECTIVITY_KEYS } from './payloads.js';
import type { BenchOptions } from './profiles.js';
import type { ClientTally } from './tally.js';

/** What every scenario gets: the options, the service under test and the run's names. */
export interface BenchContext {
  readonly options: BenchOptions;
  readonly connection: Connection;
  /** gRPC message limit for every connection the bench opens. */
  readonly connectionMaxBytes: number;
  readonly api: VectorAdminApi;
  readonly tally: ClientTally;
  readonly naming: CollectionNaming;
  /** Starts every tenant id of this run, so runs never collide. */
  readonly runPrefix: string;
  /** Aborted when the run is interrupted: loops stop, calls in flight fail. */
  readonly signal: AbortSignal;
  readonly progressOut: NodeJS.WriteStream;
  readonly log: (line: string) => void;
}

/** A progress display on the run's progress stream. */
export function progressFor(ctx: BenchContext, label: string, total: number): Progress {
  return new Progress(label, total, ctx.progressOut);
}

/**
 * The collection config every bench collection uses: the run's dims, cosine, and the
 * selectivity buckets declared as integer payload indexes (filtered search prefilters on them).
 */
export function benchCollectionConfig(dims: number): CollectionConfig {
  return {
    vectorSize: dims,
    distance: Distance.DISTANCE_COSINE,
    tenancy: 0,
    payloadIndexes: {
      fields: SELECTIVITY_KEYS.map(({ key }) => ({
        key,
        type: PayloadIndexType.PAYLOAD_INDEX_TYPE_INTEGER,
      })),
    },
  };
}

/** Calls `fn`, timing it into the tally under `operation` × `collection`; rethrows failures. */
export async function tallied<T>(
  ctx: BenchContext,
  operation: Operation,
  collection: string,
  fn: () => Promise<T>,
  points?: (result: T) => number,
): Promise<T> {
  const started = performance.now();
  try {
    const result = await fn();
    ctx.tally.record(operation, collection, {
      latencyMs: performance.now() - started,
      ...(points === undefined ? {} : { points: points(result) }),
    });
    return result;
  } catch (err) {
    ctx.tally.record(operation, collection, {
      latencyMs: performance.now() - started,
      error: true,
    });
    throw err;
  }
}

/** Runs `fn` over `items` with at most `concurrency` at a time, in order of start. */
export async function pool<T>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/** Seconds with millisecond precision, for `duration`. */
export function seconds(ms: number): number {
  return Math.round(ms) / 1000;
}

/** A figure rounded to 3 significant decimals for reports. */
export function round(value: number, digits = 3): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
