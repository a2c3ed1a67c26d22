import * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import type { PerformanceTestResult } from '../gen/vectoradmin/v1/probe.js';
import type { Caller } from './caller.js';
import { statusName } from './errors.js';
import type { OperationHandler } from './operation-pipeline.js';

/**
 * The operations a probe run calls: the pipeline's handlers, so every step takes the path a
 * client's call takes (validation, admission, the store) and is evented like one.
 */
export interface ProbeOperations {
  readonly ensureCollection: OperationHandler<
    pb.EnsureCollectionRequest,
    pb.EnsureCollectionResponse
  >;
  readonly deleteCollection: OperationHandler<
    pb.DeleteCollectionRequest,
    pb.DeleteCollectionResponse
  >;
  readonly upsert: OperationHandler<pb.UpsertRequest, pb.UpsertAck>;
  readonly search: OperationHandler<pb.SearchRequest, pb.SearchResponse>;
  readonly count: OperationHandler<pb.CountRequest, pb.CountResponse>;
}

/** What one run writes and where. */
export interface ProbePlan {
  readonly tenantId: string;
  readonly table: string;
  readonly points: number;
  readonly vectorSize: number;
  /** Points per upsert batch (the service's batch limit or less). */
  readonly batchPoints: number;
}

/** Where a run's steps report: the results so far, the step under way, and the deadline. */
export interface StepLog {
  readonly results: PerformanceTestResult[];
  current: string;
  /** Set at the run's deadline: the steps left are skipped, the clean-up still runs. */
  expired: boolean;
}

/** The probe acts with the admin's rights, on its own tenant only. */
const PROBE_CALLER: Caller = { principal: { kind: 'admin' } };
/** Searches per run, spread over the points written. */
const QUERIES = 10;
const PROBE_PAYLOAD = Buffer.from(JSON.stringify({ probe: true }));
/** The probe's record ids: its searches expect the queried point's own id back first. */
const recordId = (index: number): string => `probe-${index}`;

/** A step's check that did not hold, or a call that failed: its message goes to `errors`. */
class ProbeFailure extends Error {
  override readonly name = 'ProbeFailure';
}

/**
 * One probe run: ensure the collection, upsert `points` random vectors, search a few of them
 * back (each must find itself first), count exactly, and delete the collection. A step runs
 * only when every step before it succeeded; the clean-up always runs.
 */
export async function runProbeScenario(
  ops: ProbeOperations,
  plan: ProbePlan,
  log: StepLog,
): Promise<void> {
  const target = { tenantId: plan.tenantId, table: plan.table };
  const vectors = randomVectors(plan.points, plan.vectorSize);
  const config: pb.CollectionConfig = {
    vectorSize: plan.vectorSize,
    distance: pb.Distance.DISTANCE_COSINE,
    tenancy: pb.Tenancy.TENANCY_COLLECTION_PER_TENANT,
  };
  let ok = await step(log, 'ensure_collection', async () => {
    const ensured = await call(ops.ensureCollection, { ...target, config });
    // A run cut short before its clean-up left the collection behind: start from empty.
    if (!ensured.created) {
      await call(ops.deleteCollection, target);
      await call(ops.ensureCollection, { ...target, config });
    }
    return { metrics: { left_over: ensured.created ? 0 : 1 } };
  });
  ok &&= await step(log, 'upsert', async () => {
    let stored = 0;
    let batches = 0;
    const started = performance.now();
    for (let from = 0; from < vectors.length; from += plan.batchPoints) {
      const points = vectors.slice(from, from + plan.batchPoints).map((vector, i) => ({
        id: { kind: { $case: 'recordId' as const, value: recordId(from + i) } },
        vector: f32le(vector),
        // As ETL jobs send points: both fast paths.
        payloadJson: PROBE_PAYLOAD,
      }));
      const ack = await call(ops.upsert, { ...target, seq: BigInt(batches), points });
      stored += ack.upserted;
      batches += 1;
    }
    const seconds = (performance.now() - started) / 1000;
    if (stored !== plan.points)
      throw new ProbeFailure(`stored ${stored} of ${plan.points} vectors`);
    return {
      records: plan.points,
      vectors: stored,
      metrics: { batches, vectors_per_s: seconds > 0 ? stored / seconds : 0 },
    };
  });
  ok &&= await step(log, 'search_known_neighbour', async () => {
    const misses: string[] = [];
    const latencies: number[] = [];
    let lowestTopScore = Infinity;
    const queries = Math.min(QUERIES, plan.points);
    for (let q = 0; q < queries; q += 1) {
      const index = Math.floor((q * plan.points) / queries);
      const started = performance.now();
      const found = await call(ops.search, {
        ...target,
        vector: f32le(vectors[index] ?? new Float32Array()),
        limit: 3,
        withPayload: false,
      });
      latencies.push(performance.now() - started);
      const top = found.points[0];
      const topId = top?.id?.kind?.$case === 'recordId' ? top.id.kind.value : 'nothing';
      if (topId !== recordId(index))
        misses.push(`query of ${recordId(index)} found ${topId} first`);
      lowestTopScore = Math.min(lowestTopScore, top?.score ?? 0);
    }
    if (misses.length > 0) throw new ProbeFailure(misses.join('; '));
    return {
      records: queries,
      metrics: {
        mean_ms: latencies.reduce((a, b) => a + b, 0) / latencies.length,
        max_ms: Math.max(...latencies),
        lowest_top_score: lowestTopScore,
      },
    };
  });
  ok &&= await step(log, 'count_exact', async () => {
    const counted = await call(ops.count, { ...target, exact: true });
    if (counted.count !== BigInt(plan.points))
      throw new ProbeFailure(`counted ${counted.count} points, wrote ${plan.points}`);
    return { records: Number(counted.count) };
  });
  await step(
    log,
    'cleanup',
    async () => {
      const deleted = await call(ops.deleteCollection, target);
      return { metrics: { deleted: deleted.deleted ? 1 : 0 } };
    },
    { evenAfterDeadline: true },
  );
}

interface StepFigures {
  readonly records?: number;
  readonly vectors?: number;
  readonly metrics?: Record<string, number>;
}

// Runs one step unless the deadline passed, and records its result; true when it succeeded.
async function step(
  log: StepLog,
  name: string,
  body: () => Promise<StepFigures>,
  options: { readonly evenAfterDeadline?: boolean } = {},
): Promise<boolean> {
  if (log.expired && options.evenAfterDeadline !== true) return false;
  log.current = name;
  const started = performance.now();
  let figures: StepFigures = {};
  let errors: string[] = [];
  try {
    figures = await body();
  } catch (err) {
    if (!(err instanceof ProbeFailure)) throw err;
    errors = [err.message];
  }
  log.results.push({
    testName: name,
    success: errors.length === 0,
    duration: (performance.now() - started) / 1000,
    recordsProcessed: BigInt(figures.records ?? 0),
    vectorsCreated: BigInt(figures.vectors ?? 0),
    errors,
    metrics: figures.metrics ?? {},
  });
  return errors.length === 0;
}

// One call through the pipeline; a refused or failed call fails the step with its status.
async function call<Req, Res>(handler: OperationHandler<Req, Res>, request: Req): Promise<Res> {
  const outcome = await handler(PROBE_CALLER, request);
  if (outcome.failure !== undefined)
    throw new ProbeFailure(`${statusName(outcome.failure.code)}: ${outcome.failure.details}`);
  if (outcome.reply === undefined) throw new ProbeFailure('no reply');
  return outcome.reply;
}

// Uniform random directions are far apart in a few dozen dimensions, so each point is its own
// unique nearest neighbour by a wide margin.
function randomVectors(count: number, size: number): Float32Array[] {
  return Array.from({ length: count }, () =>
    Float32Array.from({ length: size }, () => Math.random() * 2 - 1),
  );
}

function f32le(vector: Float32Array): pb.Vector {
  return {
    kind: {
      $case: 'f32le',
      value: Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength),
    },
  };
}
