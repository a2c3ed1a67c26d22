import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync, rmdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');
/** The built CLI, what `npm run build` makes and the `vector-admin` bin runs. */
export const BUILT_CLI = path.join(ROOT, 'dist', 'cli', 'main.js');
const LOCK = path.join(ROOT, 'dist.build-lock');
/** scripts/ensure-build.ts's record of the inputs dist/ was built from. */
const STAMP = path.join(ROOT, 'dist', '.build-stamp');

/**
 * Makes sure dist/ is built from the current src/ and returns the built CLI. The test scripts
 * build once before the run; a test file run on its own builds here when src/ is newer, under a
 * lock so parallel test files build once. Services then start at once instead of compiling
 * TypeScript on every start.
 */
export async function builtCli(): Promise<string> {
  if (fresh()) return BUILT_CLI;
  for (;;) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      await waitFor(() => !exists(LOCK), {
        timeoutMs: 300_000,
        reason: `another test to build dist/ (remove ${LOCK} if no test runs)`,
      });
      if (fresh()) return BUILT_CLI;
    }
  }
  try {
    if (!fresh()) {
      // No longer true once this compile runs: sources reverted after it would match the stamp
      // again and `npm start` would skip the build, running what this compile made.
      rmSync(STAMP, { force: true });
      // The compile script also copies the descriptor sets reflection serves.
      execFileSync('npm', ['run', '--silent', 'compile'], {
        cwd: ROOT,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    }
  } finally {
    rmdirSync(LOCK);
  }
  return BUILT_CLI;
}

function fresh(): boolean {
  const built = mtimeMs(BUILT_CLI);
  return built !== undefined && newestUnder(SRC) <= built;
}

function newestUnder(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestUnder(full) : (mtimeMs(full) ?? 0));
  }
  return newest;
}

function mtimeMs(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

function exists(file: string): boolean {
  return mtimeMs(file) !== undefined;
}
