import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { test } from 'node:test';

const CHILD = fileURLToPath(new URL('../helpers/scalar-index-child.ts', import.meta.url));

// LanceDB sorts each BTREE build's values within one memory pool per process. At 1 MB, one
// build of a 20,000-row table fits and three at once do not (two of three failed with "Not enough
// memory to continue external sort"), so the process must build them one at a time.
test('embedded store - id indexes of several tables due at once are all built under a small LanceDB memory pool', async () => {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'scalar-index-builds-'));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', CHILD, dataDir],
      { env: { ...process.env, LANCE_MEM_POOL_SIZE: '1000000' }, timeout: 120_000 },
    );
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as {
      errors: string[];
      indexes: Record<string, string[]>;
    };
    assert.deepEqual(result.errors, []);
    for (const [table, names] of Object.entries(result.indexes))
      assert.ok(names.includes('id_idx'), `${table} has its id index: ${names.join(', ')}`);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
