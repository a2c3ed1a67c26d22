import { spawnSync } from 'node:child_process';
import path from 'node:path';

// Run as `uid`: prints the first path it cannot read, and the directory on its way that stops it.
const PROBE = `
const fs = require('node:fs');
const path = require('node:path');
for (const target of process.argv.slice(1)) {
  try { fs.accessSync(target, fs.constants.R_OK); continue; } catch {}
  let blocker = target;
  for (let dir = path.dirname(target); ; dir = path.dirname(dir)) {
    try { fs.accessSync(dir, fs.constants.X_OK); } catch { blocker = dir; }
    if (dir === path.dirname(dir)) break;
  }
  process.stdout.write(JSON.stringify({ target, blocker }));
  process.exit(3);
}
`;

/** Thrown when a service that drops to another user could not read its own code. */
export class UnreadableCheckoutError extends Error {
  override readonly name = 'UnreadableCheckoutError';
}

/**
 * Throws at once, naming the path and the directory that blocks it, unless user `uid` can run
 * node and read every file in `paths` (a checkout under a 0700 directory such as /root or a
 * `mktemp -d` is the usual case). Without this, the service fails on start-up as that user and
 * a test sees only a timeout.
 */
export function assertReadableBy(uid: number, paths: readonly string[]): void {
  const result = spawnSync(process.execPath, ['-e', PROBE, ...paths.map((p) => path.resolve(p))], {
    uid,
    gid: uid,
    // Node needs a working directory it may enter, whatever the caller's is.
    cwd: '/',
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (result.status === 0) return;
  const fix =
    'the tests run as root, so the service runs as an unprivileged user (uid ' +
    `${uid}) and needs read access to the checkout: make its parent directories searchable ` +
    '(chmod o+x) or clone it where other users can read';
  if (result.error !== undefined) {
    throw new UnreadableCheckoutError(
      `uid ${uid} cannot run ${process.execPath} (${result.error.message}); ${fix}`,
    );
  }
  let found: { target?: string; blocker?: string } = {};
  try {
    found = JSON.parse(result.stdout) as typeof found;
  } catch {
    // the probe itself could not run: say what it printed
  }
  const what =
    found.target === undefined
      ? `cannot run node here (exit ${result.status}): ${result.stderr.trim()}`
      : `cannot read ${found.target}${found.blocker === found.target ? '' : ` (blocked at ${found.blocker})`}`;
  throw new UnreadableCheckoutError(`uid ${uid} ${what}; ${fix}`);
}
