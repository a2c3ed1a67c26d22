import type { RunPerformanceTestResponse } from '../gen/vectoradmin/v1/probe.js';
import type { BenchContext } from './context.js';
import type { ScenarioResult } from './report.js';

/**
 * The service's own performance probe (RunPerformanceTest) as a bench scenario: the same
 * steps the live service runs on a schedule, on the stack's probe tenant. Each step's figures
 * are kept under `metrics`, so a bench report and a probe run read the same.
 */
export async function probeScenario(ctx: BenchContext): Promise<ScenarioResult> {
  const run = await ctx.api.runPerformanceTest();
  return probeResult(run);
}

/** One scenario result for a whole probe run: the steps' counts summed, their errors named. */
export function probeResult(run: RunPerformanceTestResponse): ScenarioResult {
  const steps = run.results;
  return {
    test_name: 'probe',
    success: run.success,
    duration: run.duration,
    records_processed: steps.reduce((sum, s) => sum + Number(s.recordsProcessed), 0),
    vectors_created: steps.reduce((sum, s) => sum + Number(s.vectorsCreated), 0),
    errors: steps.flatMap((s) => s.errors.map((e) => `${s.testName}: ${e}`)),
    metrics: {
      tenant_id: run.tenantId,
      collection: run.collection,
      steps: Object.fromEntries(
        steps.map((s) => [s.testName, { success: s.success, duration: s.duration, ...s.metrics }]),
      ),
    },
  };
}
