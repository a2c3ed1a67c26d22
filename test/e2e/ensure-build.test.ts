import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';

// Issue 13, item 6: `npm start` skips gen and compile when dist/ is current, and builds on a
// fresh clone. Run on a copy of the checkout's build inputs, so the checkout is left alone.

const ROOT = path.resolve(import.meta.dirname, '../..');
const COPIED = [
  'proto',
  'src',
  'scripts',
  'tsconfig.json',
  'buf.yaml',
  'buf.gen.yaml',
  'package.json',
  'package-lock.json',
];

function ensureBuild(cwd: string, ...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/ensure-build.ts', ...args], {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return { code: run.status, output: `${run.stdout}${run.stderr}` };
}

test(
  'ensure-build - a fresh clone builds, a current build is skipped, a changed source builds',
  { timeout: 600_000 },
  () => {
    const clone = mkdtempSync(path.join(tmpdir(), 'vectoradmin-clone-'));
    try {
      for (const entry of COPIED) {
        cpSync(path.join(ROOT, entry), path.join(clone, entry), {
          recursive: true,
          filter: (source) => !source.startsWith(path.join(ROOT, 'src', 'gen')),
        });
      }
      symlinkSync(path.join(ROOT, 'node_modules'), path.join(clone, 'node_modules'));

      assert.equal(ensureBuild(clone, '--check').code, 1, 'no dist/: a build is due');
      const built = ensureBuild(clone);
      assert.equal(built.code, 0, built.output);
      assert.match(built.output, /no build yet: building/);
      assert.ok(existsSync(path.join(clone, 'dist', 'cli', 'main.js')), 'the CLI was built');

      const again = ensureBuild(clone);
      assert.equal(again.code, 0, again.output);
      assert.match(again.output, /build is current: skipping gen and compile/);

      appendFileSync(path.join(clone, 'src', 'main-server.ts'), '\n// changed\n');
      assert.equal(ensureBuild(clone, '--check').code, 1, 'a changed source: a build is due');
    } finally {
      rmSync(clone, { recursive: true, force: true });
    }
  },
);
