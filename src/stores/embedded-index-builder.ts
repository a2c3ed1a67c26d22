import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { constants, setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Table } from '@lancedb/lancedb';
import { runIndexJob } from './embedded-index-job.js';
import type { ConcurrencyGate } from './embedded-scan-gate.js';
import type { BuilderRequest, IndexJob } from './embedded-index-job.js';

/**
 * Where vector index builds, updates and compactions run. `process`: in a child process at the
 * lowest CPU priority, which opens the same table, runs the one job and exits, so the work takes
 * only the CPU that writes and searches leave and its memory (k-means training, shuffles) is not
 * the server's. `inline`: on the server's own table handle and LanceDB thread pools.
 */
export type IndexBuilderKind = 'process' | 'inline';

/** Runs index maintenance jobs on one table. */
export interface IndexBuilder {
  /** Runs the job; once it resolves, the server's table handle sees the job's commit. */
  run(job: IndexJob): Promise<void>;
  /** Ends a job running in a process and resolves once it exited; an inline job runs on. */
  stop(): Promise<void>;
}

/** What a builder process opens. */
export interface BuilderTarget {
  readonly dataDir: string;
  readonly table: string;
}

/**
 * The builder process's LanceDB caches. It reads an index only to extend it and lives for one
 * job, so small caches bound its memory without costing a build anything measurable.
 */
export const BUILDER_CACHE_BYTES = { index: 64 * 1024 * 1024, metadata: 32 * 1024 * 1024 };

/** The last bytes of a builder's stderr kept for its error message. */
const STDERR_TAIL = 4096;

/** Builder processes running now, killed if this process exits without stopping them. */
const running = new Set<ChildProcess>();
let killOnExitInstalled = false;

function track(child: ChildProcess): void {
  running.add(child);
  if (killOnExitInstalled) return;
  killOnExitInstalled = true;
  process.once('exit', () => {
    for (const c of running) c.kill('SIGKILL');
  });
}

/**
 * `processes` admits the store's builder processes. Each holds LanceDB pools of its own and,
 * while it trains, much memory (1.3 GB in one hnsw_sq build at 200,000 points:
 * docs/BENCHMARKS.md, "Inline vs builder process"); many collections can cross their thresholds
 * at once (an ETL run over many tenants, or an upgrade that rebuilds every large index).
 */
export function indexBuilder(
  kind: IndexBuilderKind,
  table: Table,
  target: BuilderTarget,
  processes: ConcurrencyGate,
): IndexBuilder {
  return kind === 'inline'
    ? inlineBuilder(table)
    : new ProcessIndexBuilder(table, target, processes);
}

function inlineBuilder(table: Table): IndexBuilder {
  return { run: (job) => runIndexJob(table, job), stop: () => Promise.resolve() };
}

/** Node arguments that run the worker the way this module runs: TypeScript via tsx, or built JS. */
function workerArgs(): string[] {
  const typescript = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(
    new URL(`./embedded-index-worker.${typescript ? 'ts' : 'js'}`, import.meta.url),
  );
  return typescript ? ['--import', import.meta.resolve('tsx'), file] : [file];
}

/** One child process per job, at most one at a time (the indexer serializes a table's jobs). */
class ProcessIndexBuilder implements IndexBuilder {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly table: Table,
    private readonly target: BuilderTarget,
    private readonly processes: ConcurrencyGate,
  ) {}

  async run(job: IndexJob): Promise<void> {
    await this.processes.run(() => {
      // Checked once admitted: the table may have been closed while the job waited.
      if (this.stopped) throw new Error('index builder stopped');
      return this.spawnJob({ ...this.target, cacheBytes: BUILDER_CACHE_BYTES, job });
    });
    // The commit was made through another handle: this one reads it only when told to.
    await this.table.checkoutLatest();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  private spawnJob(request: BuilderRequest): Promise<void> {
    const child = spawn(process.execPath, [...workerArgs(), JSON.stringify(request)], {
      stdio: ['pipe', 'ignore', 'pipe'],
    });
    this.child = child;
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, constants.priority.PRIORITY_LOW);
      } catch {
        // Not permitted here (or already gone): the worker lowers its own priority as well.
      }
    }
    // A server that exits without stopping its builders must not leave them running (and one
    // that is killed closes their stdin, on which they end: see embedded-index-worker.ts).
    track(child);
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr = `${stderr}${chunk}`.slice(-STDERR_TAIL);
    });
    const done = new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => {
        running.delete(child);
        if (this.child === child) this.child = undefined;
        if (code === 0) return resolve();
        const how = signal === null ? `exit code ${String(code)}` : signal;
        reject(new Error(`index builder process ended (${how}): ${stderr.trim() || 'no message'}`));
      });
    });
    this.exited = done.then(
      () => undefined,
      () => undefined,
    );
    // Stopped between the check in run() and here: the job must not outlive the stop.
    if (this.stopped) child.kill('SIGKILL');
    return done;
  }
}
