import type { handleUnaryCall } from '@grpc/grpc-js';
import {
  Operation,
  VectorAdminError,
  type CollectionNaming,
  type CollectionRef,
  type Logger,
} from '../domain/index.js';
import type {
  RunPerformanceTestRequest,
  RunPerformanceTestResponse,
} from '../gen/vectoradmin/v1/probe.js';
import type { Caller } from './caller.js';
import type { OperationHandler, OperationPipeline, OperationSpec } from './operation-pipeline.js';
import { runProbeScenario, type ProbeOperations, type StepLog } from './probe-scenario.js';

/** The probe's tenant, schedule and bounds (config.probe). */
export interface ProbeSettings {
  readonly tenantId: string;
  /** Run every `intervalMs` (the first run at start-up), besides on demand. */
  readonly scheduled: boolean;
  readonly intervalMs: number;
  readonly points: number;
  readonly vectorSize: number;
  readonly timeoutMs: number;
}

/** The table the probe writes in its tenant: a collection-per-tenant table of its own. */
export const PROBE_TABLE = 'performance_probe';

const SCHEDULER: Caller = { principal: { kind: 'admin' } };

type Response = RunPerformanceTestResponse;

/** What a run acts on: the probe's collection, and the settings in force. */
interface ProbeTarget extends CollectionRef {
  readonly settings: ProbeSettings;
}

/**
 * The performance probe: one run at a time (a run waits for the one before, clean-up
 * included), each bounded by `timeoutMs`, evented as `performance_test` besides the events of
 * its steps. Scheduled runs and RunPerformanceTest go through the same pipeline handler.
 */
export class PerformanceProbe {
  /** The RunPerformanceTest RPC. */
  readonly unary: handleUnaryCall<RunPerformanceTestRequest, Response>;
  private readonly handler: OperationHandler<RunPerformanceTestRequest, Response>;
  private tail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    pipeline: OperationPipeline,
    private readonly ops: ProbeOperations,
    /** Unset: no probe; RunPerformanceTest answers FAILED_PRECONDITION. */
    private readonly settings: ProbeSettings | undefined,
    private readonly naming: CollectionNaming,
    private readonly batchPoints: number,
    private readonly logger: Logger,
  ) {
    const spec = this.operation();
    this.handler = pipeline.wrap(spec);
    this.unary = pipeline.unary(spec);
  }

  /** Starts the schedule when the settings ask for one. */
  start(): void {
    const settings = this.settings;
    if (settings?.scheduled !== true) return;
    this.logger.info('performance probe scheduled', {
      tenantId: settings.tenantId,
      intervalMs: settings.intervalMs,
    });
    this.next(settings.intervalMs, 0);
  }

  /** Stops the schedule and waits for the run under way, clean-up included. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.tail;
  }

  private next(intervalMs: number, delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.handler(SCHEDULER, {})
        .then((outcome) => {
          if (outcome.reply?.success === true)
            this.logger.debug('performance probe passed', { durationS: outcome.reply.duration });
        })
        .catch((err: unknown) => this.logger.error('performance probe did not run', { err }))
        .finally(() => this.next(intervalMs, intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  private operation(): OperationSpec<RunPerformanceTestRequest, ProbeTarget, Response> {
    return {
      operation: Operation.PerformanceTest,
      authorize: (caller) => {
        if (caller.principal.kind === 'tenant')
          throw new VectorAdminError('permission_denied', 'RunPerformanceTest needs the admin key');
        const settings = this.settings;
        if (settings === undefined)
          throw new VectorAdminError(
            'failed_precondition',
            // Said from the service's side: callers tend to set it in their own shell.
            "the service's PERFORMANCE_TEST_TENANT_ID is not set, so the probe has no tenant to run on: set it where the service starts (e.g. PERFORMANCE_TEST_TENANT_ID=perf npm start) and restart the service",
          );
        return { ...this.naming.ref(settings.tenantId, PROBE_TABLE), settings };
      },
      run: async (target) => {
        const reply = await this.serially(target);
        const vectors = reply.results.reduce((sum, r) => sum + Number(r.vectorsCreated), 0);
        const facts = { points: vectors, vectorSize: target.settings.vectorSize };
        if (reply.success) return { reply, facts };
        const failed = reply.results.find((r) => !r.success);
        const why = `${failed?.testName}: ${failed?.errors.join('; ')}`;
        const rejection = new VectorAdminError('unavailable', `performance probe failed: ${why}`);
        return { reply, facts, rejection };
      },
      answersRejection: true,
    };
  }

  // Runs after every earlier run settled; answers at the deadline at the latest.
  private serially(target: ProbeTarget): Promise<Response> {
    const answer = this.tail.then(() => this.runOnce(target));
    this.tail = answer.then(
      (run) => run.settled,
      () => undefined,
    );
    return answer.then((run) => run.reply);
  }

  private async runOnce(target: ProbeTarget): Promise<{ reply: Response; settled: Promise<void> }> {
    const { settings } = target;
    const started = performance.now();
    const log: StepLog = { results: [], current: 'ensure_collection', expired: false };
    const settled = runProbeScenario(
      this.ops,
      {
        tenantId: target.tenantId,
        table: target.table,
        points: settings.points,
        vectorSize: settings.vectorSize,
        batchPoints: Math.min(this.batchPoints, 256),
      },
      log,
    ).catch((err: unknown) => {
      this.logger.error('performance probe step failed unexpectedly', { err, step: log.current });
      log.results.push(failedStep(log.current, 'internal error'));
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'expired'>((resolve) => {
      timer = setTimeout(() => resolve('expired'), settings.timeoutMs);
    });
    const finished = await Promise.race([settled.then(() => 'finished' as const), deadline]);
    clearTimeout(timer);
    const results = [...log.results];
    if (finished === 'expired') {
      log.expired = true;
      const limit = `did not finish within ${settings.timeoutMs} ms (PERFORMANCE_TEST_TIMEOUT_MS)`;
      results.push(failedStep(log.current, limit));
    }
    const reply: Response = {
      success: results.every((r) => r.success),
      tenantId: target.tenantId,
      collection: target.name,
      duration: (performance.now() - started) / 1000,
      results,
    };
    return { reply, settled };
  }
}

function failedStep(testName: string, error: string): Response['results'][number] {
  return {
    testName,
    success: false,
    duration: 0,
    recordsProcessed: 0n,
    vectorsCreated: 0n,
    errors: [error],
    metrics: {},
  };
}
