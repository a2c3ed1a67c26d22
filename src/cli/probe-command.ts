import { connect, vectorAdminApi } from '../client/index.js';
import type { Config } from '../config/index.js';
import type { RunPerformanceTestResponse } from '../gen/vectoradmin/v1/probe.js';
import { UsageError, parse } from './args.js';
import { clientOptions } from './client-options.js';
import { formatTable, jsonInt, toJson } from './format.js';

/** The command's flags (also what its --help lists): no tenant, the probe has its own. */
export const PROBE_OPTIONS = {
  address: { type: 'string' },
  key: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

/**
 * `vector-admin probe run` runs the service's performance probe now (admin key) and prints each
 * step; exit code 1 when the probe failed, so a monitor can run it as a check.
 */
export async function probeCommand(
  argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  const [action, ...rest] = argv;
  if (action !== 'run') throw new UsageError('probe takes one action: run');
  const { values } = parse(rest, PROBE_OPTIONS);
  const connection = connect(clientOptions(config, values));
  try {
    const run = await vectorAdminApi(connection).runPerformanceTest();
    out(values.json ? toJson(planShape(run)) : formatRun(run));
    if (!run.success) process.exitCode = 1;
  } finally {
    connection.close();
  }
}

// The plan's result shape, field names as in the proto (and the bench's report.json).
function planShape(run: RunPerformanceTestResponse) {
  return {
    success: run.success,
    tenant_id: run.tenantId,
    collection: run.collection,
    duration: run.duration,
    results: run.results.map((r) => ({
      test_name: r.testName,
      success: r.success,
      duration: r.duration,
      records_processed: jsonInt(r.recordsProcessed),
      vectors_created: jsonInt(r.vectorsCreated),
      errors: r.errors,
      metrics: r.metrics,
    })),
  };
}

function formatRun(run: RunPerformanceTestResponse): string {
  const verdict = run.success ? 'passed' : 'FAILED';
  const head = `probe on ${run.collection} ${verdict} in ${run.duration.toFixed(3)} s`;
  const rows = run.results.map((r) => [
    r.testName,
    r.success ? 'ok' : 'FAILED',
    r.duration.toFixed(3),
    String(r.recordsProcessed),
    String(r.vectorsCreated),
    Object.entries(r.metrics)
      .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(3)}`)
      .join(' '),
    r.errors.join('; '),
  ]);
  const headers = ['TEST', 'RESULT', 'SECONDS', 'RECORDS', 'VECTORS', 'METRICS', 'ERRORS'];
  return `${head}\n${formatTable(headers, rows)}`;
}
