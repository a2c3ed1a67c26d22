import { Index, Session, connect } from '@lancedb/lancedb';
import type { HnswSqOptions, IvfRqOptions, Table } from '@lancedb/lancedb';

export const VECTOR_INDEX_NAME = 'vector_idx';

/**
 * A vector index's LanceDB type and options as plain data: LanceDB's `Index` is a native
 * handle, and a builder process receives what the parent computed, not a re-derivation.
 */
export type VectorIndexSpec =
  | { readonly type: 'hnswSq'; readonly options: Partial<HnswSqOptions> }
  | { readonly type: 'ivfRq'; readonly options: Partial<IvfRqOptions> };

export function lanceIndex(spec: VectorIndexSpec): Index {
  return spec.type === 'hnswSq' ? Index.hnswSq(spec.options) : Index.ivfRq(spec.options);
}

/** One piece of vector index maintenance: a build (or a rebuild that merges deltas), or optimize(). */
export type IndexJob =
  | { readonly op: 'vector-index'; readonly spec: VectorIndexSpec }
  /**
   * Compaction and index update together; versions older than `retainVersionsMs` are removed,
   * counted from when the job runs (LanceDB measures it from its own clock as it starts).
   */
  | { readonly op: 'optimize'; readonly retainVersionsMs: number };

export async function runIndexJob(table: Table, job: IndexJob): Promise<void> {
  if (job.op === 'vector-index') {
    await table.createIndex('vector', { name: VECTOR_INDEX_NAME, config: lanceIndex(job.spec) });
  } else {
    await table.optimize({ cleanupOlderThan: new Date(Date.now() - job.retainVersionsMs) });
  }
}

/** What a builder process is told: the table to open, its caches, and the one job. */
export interface BuilderRequest {
  readonly dataDir: string;
  readonly table: string;
  readonly cacheBytes: { readonly index: number; readonly metadata: number };
  readonly job: IndexJob;
}

/** Opens the table on its own connection, runs the job and closes everything. */
export async function runBuilderRequest(request: BuilderRequest): Promise<void> {
  const { index, metadata } = request.cacheBytes;
  const db = await connect(request.dataDir, {
    session: new Session(BigInt(index), BigInt(metadata)),
  });
  try {
    const table = await db.openTable(request.table);
    try {
      await runIndexJob(table, request.job);
    } finally {
      table.close();
    }
  } finally {
    db.close();
  }
}
