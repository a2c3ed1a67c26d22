import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import {
  ADMIN_KEY,
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';
import { BUILT_CLI, builtCli } from '../helpers/built-output.js';

const run = promisify(execFile);
// The built CLI, what `npm start` and the bin run: it starts in a fraction of tsx's time.
const CLI = BUILT_CLI;

interface AnalysisJson {
  collections: {
    tenantId: string;
    table: string;
    pointsCount: string;
    status: string;
    distance: string;
    tenancy: string;
    storage?: { diskBytes?: string; createdAt?: string };
  }[];
  nextPageToken?: string;
  totalSize: number;
}

describe('cli admin', () => {
  const acme = uniqueName('acme');
  const beta = uniqueName('beta');
  const big = uniqueTable('big');
  const small = uniqueTable('small');
  let stack: TestStack;
  const cli = async (args: string[], key = ADMIN_KEY) => {
    try {
      const { stdout } = await run(
        process.execPath,
        [CLI, ...args, '--address', stack.address, '--key', key],
        { env: { ...process.env, VECTORADMIN_EVENTS: 'off' } },
      );
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  before(async () => {
    await builtCli();
    stack = await startTestStack({ tenants: [acme, beta] });
    const admin = stack.api();
    const config = { vectorSize: 2, distance: 3, tenancy: 0 };
    for (const [tenantId, table, n] of [
      [acme, big, 40],
      [beta, small, 2],
    ] as const) {
      await admin.createCollection({ tenantId, table, config });
      const points = Array.from({ length: n }, (_, i) => ({
        id: { kind: { $case: 'num' as const, value: BigInt(i + 1) } },
        vector: { kind: { $case: 'dense' as const, value: { values: [i, 1] } } },
        payload: { i },
      }));
      await admin.upsert({ tenantId, table, seq: 1n, points });
    }
  });
  after(async () => {
    await stack[Symbol.asyncDispose]();
  });

  test('cli admin - collections --json lists every tenant with enum names, largest first', async () => {
    const result = await cli(['admin', 'collections', '--json', '--sort', 'size']);
    assert.equal(result.code, 0, result.stderr);
    const page = JSON.parse(result.stdout) as AnalysisJson;
    assert.equal(page.totalSize, 2);
    assert.deepEqual(
      page.collections.map((c) => [c.tenantId, c.table, c.pointsCount]),
      [
        [acme, big, '40'],
        [beta, small, '2'],
      ],
    );
    for (const c of page.collections) {
      assert.equal(c.status, 'COLLECTION_STATUS_GREEN');
      assert.equal(c.distance, 'DISTANCE_DOT');
      assert.equal(c.tenancy, 'TENANCY_COLLECTION_PER_TENANT');
      assert.ok(Number(c.storage?.diskBytes) > 0, 'bytes on disk');
      assert.ok(!Number.isNaN(Date.parse(c.storage?.createdAt ?? '')), 'a creation time');
    }
  });

  test('cli admin - collections prints a table, one page at a time with --page-size', async () => {
    const first = await cli(['admin', 'collections', '--page-size', '1']);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^TENANT\s+TABLE\s+TENANCY\s+POINTS/);
    assert.match(first.stdout, new RegExp(`${acme}\\s+${big}\\s+own\\s+40\\s`));
    const token = /next page: --page-token (\S+)/.exec(first.stdout)?.[1];
    assert.ok(token !== undefined, 'the next page is named');
    const second = await cli(['admin', 'collections', '--page-size', '1', '--page-token', token]);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`${beta}\\s+${small}\\s+own\\s+2\\s`));
    assert.doesNotMatch(second.stdout, /next page/);
  });

  test('cli admin - collections with a tenant key fails with PERMISSION_DENIED (exit 1)', async () => {
    const result = await cli(['admin', 'collections'], tenantKey(acme));
    assert.equal(result.code, 1);
    assert.match(result.stderr, /admin key/);
  });

  test('cli admin - an unknown --sort is a usage error (exit 2)', async () => {
    const result = await cli(['admin', 'collections', '--sort', 'colour']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--sort must be table, size or activity/);
  });
});
