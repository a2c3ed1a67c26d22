import { Operation } from '../domain/index.js';
import {
  benchCollectionConfig,
  pool,
  progressFor,
  round,
  seconds,
  tallied,
  type BenchContext,
} from './context.js';
import { LatencyRecorder } from './latency.js';
import type { ScenarioResult } from './report.js';

interface Pair {
  readonly tenantId: string;
  readonly table: string;
  readonly collection: string;
}

const PHASES = [
  Operation.CreateCollection,
  Operation.EnsureCollection,
  Operation.DeleteCollection,
] as const;

/**
 * Collection lifecycle at tenant scale: every tenant × table is created, ensured again (which
 * must find it) and deleted, `collectionConcurrency` calls at a time; latency per operation.
 */
export async function collectionsScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const { options } = ctx;
  const pairs: Pair[] = [];
  for (let t = 0; t < options.tenants; t++) {
    const tenantId = `${ctx.runPrefix}-c${t}`;
    for (const table of options.tables)
      pairs.push({ tenantId, table, collection: ctx.naming.ref(tenantId, table).name });
  }
  const config = benchCollectionConfig(options.dims);
  const errors: string[] = [];
  const phases: Record<string, unknown> = {};
  const started = performance.now();
  for (const operation of PHASES) {
    const latency = new LatencyRecorder();
    const progress = progressFor(ctx, operation, pairs.length);
    const phaseStarted = performance.now();
    await pool(pairs, options.collectionConcurrency, async ({ tenantId, table, collection }) => {
      const callStarted = performance.now();
      try {
        const problem = await tallied(ctx, operation, collection, () =>
          callPhase(ctx, operation, tenantId, table, config),
        );
        if (problem !== undefined) errors.push(`${operation} ${collection}: ${problem}`);
      } catch (err) {
        errors.push(`${operation} ${collection}: ${(err as Error).message}`);
      }
      latency.record(performance.now() - callStarted);
      progress.advance(1);
    });
    progress.finish();
    const phaseMs = performance.now() - phaseStarted;
    phases[operation] = {
      ops: pairs.length,
      ops_per_s: round(pairs.length / (phaseMs / 1000), 1),
      latency: latency.stats(),
    };
  }
  return {
    test_name: 'collections',
    success: errors.length === 0,
    duration: seconds(performance.now() - started),
    records_processed: pairs.length * PHASES.length,
    vectors_created: 0,
    errors: errors.slice(0, 20),
    metrics: {
      tenants: options.tenants,
      tables: options.tables,
      collections: pairs.length,
      concurrency: options.collectionConcurrency,
      error_count: errors.length,
      ...phases,
    },
  };
}

// Resolves to a problem description when the call succeeded with the wrong answer.
async function callPhase(
  ctx: BenchContext,
  operation: (typeof PHASES)[number],
  tenantId: string,
  table: string,
  config: ReturnType<typeof benchCollectionConfig>,
): Promise<string | undefined> {
  switch (operation) {
    case Operation.CreateCollection:
      await ctx.api.createCollection({ tenantId, table, config });
      return undefined;
    case Operation.EnsureCollection: {
      const { created } = await ctx.api.ensureCollection({ tenantId, table, config });
      return created ? 'ensure created a collection that create had made' : undefined;
    }
    case Operation.DeleteCollection: {
      const { deleted } = await ctx.api.deleteCollection({ tenantId, table });
      return deleted ? undefined : 'delete found no collection';
    }
  }
}
