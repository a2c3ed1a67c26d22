import type { ServiceError } from '@grpc/grpc-js';
import {
  plainId,
  type Connection,
  type StreamBatch,
  type StreamOptions,
} from '../../src/client/index.js';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { seededRandom, wirePoints } from './points.js';

/**
 * What the client was told: every acknowledged batch with its ids. "Nothing lost" in fault
 * tests means the store and the events end up holding exactly what this ledger holds.
 */
export class AckLedger {
  readonly seqs: bigint[] = [];
  readonly ids = new Set<number | string>();
  /** The acknowledged points themselves, when asked to keep them. */
  readonly kept: pb.Point[] = [];
  points = 0;
  rejected = 0;

  constructor(private readonly options: { readonly keepPoints?: boolean } = {}) {}

  /** Pass as `onAck` to streamUpserts. */
  readonly onAck: NonNullable<StreamOptions['onAck']> = (ack, batch) => {
    this.seqs.push(ack.seq);
    if (ack.errors.length > 0) {
      this.rejected += 1;
      return;
    }
    this.points += ack.upserted;
    if (this.options.keepPoints === true) this.kept.push(...batch.points);
    for (const point of batch.points) {
      const id = plainId(point.id);
      if (id !== undefined) this.ids.add(id);
    }
  };
}

/** A Connection whose UpsertStream calls are counted and whose failures are recorded. */
export interface ObservedConnection {
  readonly connection: Connection;
  /** Streams opened so far: the first plus every resume. */
  readonly opened: () => number;
  /** The gRPC status code of every stream that ended with an error, in order. */
  readonly failures: readonly number[];
}

/** Wraps `connection` so a test sees each stream the client library opens and how it ended. */
export function observeStreams(connection: Connection): ObservedConnection {
  let opened = 0;
  const failures: number[] = [];
  const raw = new Proxy(connection.raw, {
    get(target, property, receiver) {
      if (property !== 'upsertStream') return Reflect.get(target, property, receiver) as unknown;
      return (...args: Parameters<typeof target.upsertStream>) => {
        opened += 1;
        const call = target.upsertStream(...args);
        call.on('error', (err: ServiceError) => failures.push(err.code));
        return call;
      };
    },
  });
  return { connection: { ...connection, raw }, opened: () => opened, failures };
}

/** Options of `numberedBatches`. */
export interface NumberedBatchesOptions {
  readonly table: string;
  readonly dim: number;
  readonly batches: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly autoCreate?: pb.CollectionConfig;
  readonly tenantId?: string;
  /** First id; ids run on without overlap across batches. */
  readonly firstId?: number;
  /** Runs before batch `index` is handed out, e.g. to inject a fault at a known point. */
  readonly before?: (index: number) => void | Promise<void>;
}

/** Batches of fresh numeric ids, generated lazily so a fault can land between two of them. */
export async function* numberedBatches(
  options: NumberedBatchesOptions,
): AsyncGenerator<StreamBatch> {
  const random = seededRandom(options.seed);
  const first = options.firstId ?? 0;
  for (let b = 0; b < options.batches; b++) {
    await options.before?.(b);
    yield {
      table: options.table,
      ...(options.tenantId === undefined ? {} : { tenantId: options.tenantId }),
      points: wirePoints(random, options.dim, first + b * options.batchSize, options.batchSize)
        .points,
      ...(options.autoCreate === undefined ? {} : { autoCreate: options.autoCreate }),
    };
  }
}
