import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHILD = path.resolve(import.meta.dirname, '../helpers/journal-fill-child.ts');

test('outbox journal - at a file-size limit every accepted record is on disk, readable, and survives a reopen', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-journal-limit-'));
  try {
    // 64 KiB: writes past it fail, or write part of their buffer without an error.
    const { stdout } = await run('bash', [
      '-c',
      `ulimit -f 64 && exec "${process.execPath}" --import tsx "${CHILD}" "${dir}"`,
    ]);
    const r = JSON.parse(stdout) as {
      accepted: number;
      failures: number;
      nextIndex: number;
      readBack: string[];
      reopenedNext: number;
      afterReopen: string[];
    };
    const expected = Array.from({ length: r.accepted }, (_, i) => `id-${i}`);
    assert.ok(r.failures > 0, 'the limit refused appends');
    assert.ok(r.accepted > 0);
    assert.equal(r.nextIndex, r.accepted, 'only whole appends count');
    assert.deepEqual(r.readBack, expected, 'every accepted record reads back, in order');
    assert.equal(r.reopenedNext, r.accepted, 'a reopen finds every accepted record');
    assert.deepEqual(r.afterReopen, expected);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
