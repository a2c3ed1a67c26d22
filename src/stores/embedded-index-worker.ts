// The entry point of an index builder process (see embedded-index-builder.ts): runs one job and
// exits 0, or writes why it failed to stderr and exits 1.
import { readdirSync } from 'node:fs';
import { constants, setPriority } from 'node:os';
import type { BuilderRequest } from './embedded-index-job.js';

/**
 * The parent lowers this process's priority right after spawning it, but on Linux niceness
 * belongs to each thread (new ones inherit their creator's), and Node's own threads may have
 * started first: every thread is lowered here, before LanceDB starts its thread pools.
 */
function lowerPriority(): void {
  let threads: number[] = [0];
  try {
    threads = readdirSync('/proc/self/task').map(Number);
  } catch {
    // No per-thread view (not Linux): the process's priority is all there is.
  }
  for (const id of threads) {
    try {
      setPriority(id, constants.priority.PRIORITY_LOW);
    } catch {
      // Not permitted, or the thread ended: the job still runs.
    }
  }
}

lowerPriority();
// The parent holds stdin open while it runs: when it ends, however it ended, so does this job.
process.stdin.on('end', () => process.exit(2));
process.stdin.resume();

try {
  const request = JSON.parse(process.argv[2] ?? '') as BuilderRequest;
  const { runBuilderRequest } = await import('./embedded-index-job.js');
  await runBuilderRequest(request);
  process.exit(0);
} catch (err) {
  process.stderr.write(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
