import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { seededRandom, randomVector } from '../helpers/points.js';
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
// Every test here runs it, the ones outside the describe too.
before(async () => {
  await builtCli();
});

describe('cli', () => {
  const tenant = uniqueName('cli');
  let stack: TestStack;
  let dir: string;
  const cli = async (args: string[], key = tenantKey(tenant)) => {
    try {
      const { stdout } = await run(
        process.execPath,
        [CLI, ...args, '--address', stack.address, '--key', key],
        {
          env: { ...process.env, VECTORADMIN_EVENTS: 'off' },
        },
      );
      return { code: 0, stdout };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  before(async () => {
    stack = await startTestStack({ tenants: [tenant] });
    dir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-cli-'));
  });
  after(async () => {
    await stack[Symbol.asyncDispose]();
    await rm(dir, { recursive: true, force: true });
  });

  test('cli - collections ensure, list and get as JSON and as a table', async () => {
    const table = uniqueTable('cli');
    const ensured = await cli([
      'collections',
      'ensure',
      '--table',
      table,
      '--size',
      '4',
      '--distance',
      'dot',
      '--json',
    ]);
    assert.equal(ensured.code, 0);
    const ensuredJson = JSON.parse(ensured.stdout) as {
      created: boolean;
      collection: { config: { distance: string } };
    };
    assert.equal(ensuredJson.created, true);
    assert.equal(
      ensuredJson.collection.config.distance,
      'DISTANCE_DOT',
      '--json prints enum names',
    );
    const listedJson = JSON.parse((await cli(['collections', 'list', '--json'])).stdout) as {
      table: string;
      pointsCount: unknown;
    }[];
    assert.deepEqual(
      listedJson.filter((c) => c.table === table).map((c) => c.pointsCount),
      [0],
      'an empty collection prints pointsCount 0, a number',
    );
    const listed = await cli(['collections', 'list']);
    assert.match(
      listed.stdout,
      new RegExp(`${table}\\s+client_${tenant}_${table}\\s+4\\s+dot\\s+0`),
    );
    const bad = await cli(['collections', 'get', '--table', 'Bad.Name']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr ?? '', /field-violation|table:/);
  });

  test('cli - a failed call prints each problem once, with its hint', async () => {
    const table = uniqueTable('cli_err');
    const ensure = ['collections', 'ensure', '--table', table, '--size', '4'];
    assert.equal((await cli(ensure)).code, 0);
    const search = await cli(['search', '--table', table, '--vector', '[0.1,0.2]']);
    assert.equal(search.code, 1);
    assert.deepEqual(search.stderr?.trimEnd().split('\n'), [
      'error: vector: has 2 dimensions, the collection has 4',
    ]);
    const list = await cli(['collections', 'list'], ADMIN_KEY);
    assert.equal(list.code, 1);
    const lines = list.stderr?.trimEnd().split('\n') ?? [];
    assert.equal(lines.length, 1, list.stderr);
    assert.match(
      lines[0] ?? '',
      /^error: tenant_id: .*: pass --tenant T, or use the tenant's own key/,
    );
  });

  test('cli - ingest streams a JSONL file, resumes from its checkpoint, and search/count read it back', async () => {
    const table = uniqueTable('ingest');
    const random = seededRandom(3);
    const lines = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({
        record_id: `row-${i}`,
        vector: Array.from(randomVector(random, 8)),
        payload: { state: i % 3 === 0 ? 'open' : 'closed' },
      }),
    );
    const file = path.join(dir, 'items.jsonl');
    await writeFile(file, `${lines.join('\n')}\n`);
    // A checkpoint as an interrupted run leaves it: the first 200 lines acknowledged.
    const { mtimeMs, size } = await stat(file);
    await writeFile(`${file}.checkpoint.json`, JSON.stringify({ size, mtimeMs, ackedLines: 200 }));
    const resumed = await cli([
      'ingest',
      file,
      '--table',
      table,
      '--size',
      '8',
      '--batch-size',
      '64',
      '--json',
    ]);
    assert.equal(resumed.code, 0, resumed.stderr);
    const summary = JSON.parse(resumed.stdout) as { skippedLines: number; upserted: number };
    assert.deepEqual([summary.skippedLines, summary.upserted], [200, 100]);
    await assert.rejects(
      readFile(`${file}.checkpoint.json`),
      'a finished run removes its checkpoint',
    );
    const full = await cli(['ingest', file, '--table', table, '--json']);
    assert.equal((JSON.parse(full.stdout) as { upserted: number }).upserted, 300);
    assert.equal(
      (await cli(['count', '--table', table])).stdout.trim(),
      '300',
      're-ingesting changes nothing',
    );
    assert.equal(
      (
        await cli([
          'count',
          '--table',
          table,
          '--filter',
          '{"must":[{"key":"state","match":"open"}]}',
        ])
      ).stdout.trim(),
      '100',
    );
    const first = JSON.parse(lines[5] ?? '{}') as { vector: number[] };
    const hits = JSON.parse(
      (
        await cli([
          'search',
          '--table',
          table,
          '--vector',
          JSON.stringify(first.vector),
          '--limit',
          '1',
          '--json',
        ])
      ).stdout,
    ) as { score: number }[];
    assert.ok(
      Math.abs((hits[0]?.score ?? 0) - 1) < 1e-5,
      'the vector itself is the nearest, cosine 1',
    );
  });

  test('cli - points delete by record id and by filter', async () => {
    const table = uniqueTable('del');
    const file = path.join(dir, 'del.jsonl');
    const rows = [0, 1, 2, 3].map((i) =>
      JSON.stringify({ record_id: `WI-${i}`, vector: [1, i + 1], payload: { n: i } }),
    );
    await writeFile(file, `${rows.join('\n')}\n`);
    assert.equal((await cli(['ingest', file, '--table', table, '--size', '2'])).code, 0);
    const byId = await cli(['points', 'delete', '--table', table, '--ids', 'WI-0,WI-1']);
    assert.equal(byId.code, 0, byId.stderr);
    assert.match(byId.stdout, /^delete requested for 2 ids \(ids not stored are skipped\)$/m);
    assert.equal((await cli(['count', '--table', table])).stdout.trim(), '2');
    const filter = '{"must":[{"key":"n","match":3}]}';
    const byFilter = await cli([
      'points',
      'delete',
      '--table',
      table,
      '--filter',
      filter,
      '--json',
    ]);
    assert.equal(byFilter.code, 0, byFilter.stderr);
    assert.deepEqual(
      JSON.parse(byFilter.stdout),
      { deleteRequested: true, idsGiven: 0, filter: true },
      'no field reads as "0 deleted"',
    );
    assert.equal((await cli(['count', '--table', table])).stdout.trim(), '1');
    const neither = await cli(['points', 'delete', '--table', table]);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr ?? '', /--record-id, --num-id or --uuid and\/or --filter/);
  });

  test('cli - points get and search answer with the record ids the rows were written with', async () => {
    const table = uniqueTable('get');
    const file = path.join(dir, 'get.jsonl');
    const rows = [0, 1, 2].map((i) =>
      JSON.stringify({ record_id: `WI-${i}`, vector: [3, i + 1], payload: { n: i } }),
    );
    await writeFile(file, `${rows.join('\n')}\n`);
    const ingest = await cli([
      'ingest',
      file,
      '--table',
      table,
      '--size',
      '2',
      '--distance',
      'euclid',
    ]);
    assert.equal(ingest.code, 0, ingest.stderr);
    const got = await cli([
      'points',
      'get',
      '--table',
      table,
      '--id',
      'WI-2',
      '--id',
      '404',
      '--ids',
      'WI-0',
      '--with-vectors',
      '--json',
    ]);
    assert.equal(got.code, 0, got.stderr);
    assert.deepEqual(JSON.parse(got.stdout), [
      { id: 'WI-2', payload: { n: 2 }, vector: [3, 3] },
      { id: 'WI-0', payload: { n: 0 }, vector: [3, 1] },
    ]);
    const shown = await cli(['points', 'get', '--table', table, '--id', 'WI-1', '--id', 'nope']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^ID\s+PAYLOAD\n/);
    assert.match(shown.stdout, /\nWI-1\s+\{"n":1\}\n/);
    assert.match(shown.stdout, /\nnot found: nope$/m, 'the missing id is named');
    const hits = await cli([
      'search',
      '--table',
      table,
      '--vector',
      '[3, 1.9]',
      '--limit',
      '2',
      '--json',
    ]);
    assert.deepEqual(
      (JSON.parse(hits.stdout) as { id: unknown }[]).map((h) => h.id),
      ['WI-1', 'WI-0'],
    );
    const none = await cli(['points', 'get', '--table', table]);
    assert.equal(none.code, 2);
    assert.match(none.stderr ?? '', /--id/);
    const help = await cli(['points', 'get', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--with-vectors/);
    assert.match(help.stdout, /--id <value>/);
  });

  test('cli - points get and delete name a record id that looks like a number with --record-id', async () => {
    const table = uniqueTable('kinds');
    const file = path.join(dir, 'kinds.jsonl');
    const rows = [
      { record_id: '42', vector: [1, 2], payload: { kind: 'record' } },
      { id: 42, vector: [2, 1], payload: { kind: 'number' } },
    ];
    await writeFile(file, `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    assert.equal((await cli(['ingest', file, '--table', table, '--size', '2'])).code, 0);
    assert.equal((await cli(['count', '--table', table])).stdout.trim(), '2', 'two points');
    const get = async (...ids: string[]) => {
      const result = await cli(['points', 'get', '--table', table, ...ids, '--json']);
      assert.equal(result.code, 0, result.stderr);
      return JSON.parse(result.stdout) as unknown;
    };
    assert.deepEqual(await get('--record-id', '42'), [{ id: '42', payload: { kind: 'record' } }]);
    assert.deepEqual(await get('--num-id', '42'), [{ id: 42, payload: { kind: 'number' } }]);
    assert.deepEqual(
      await get('--id', '42'),
      [{ id: 42, payload: { kind: 'number' } }],
      '--id reads digits as a number, as its help says',
    );
    const badNum = await cli(['points', 'get', '--table', table, '--num-id', 'WI-1']);
    assert.equal(badNum.code, 2);
    assert.match(badNum.stderr ?? '', /--num-id takes digits only/);
    const deleted = await cli(['points', 'delete', '--table', table, '--record-id', '42']);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.deepEqual(
      await get('--record-id', '42', '--num-id', '42'),
      [{ id: 42, payload: { kind: 'number' } }],
      'only the record id "42" was deleted',
    );
    const help = await cli(['points', 'delete', '--help']);
    assert.match(help.stdout, /--record-id <value>/);
    assert.match(help.stdout, /--num-id <value>/);
    assert.match(help.stdout, /--uuid <value>/);
  });

  test('cli - ingest names the file and line of every bad record and exits 1', async () => {
    const table = uniqueTable('bad');
    const file = path.join(dir, 'bad.jsonl');
    const good = (i: number) => JSON.stringify({ id: i, vector: [1, i] });
    const lines = [
      good(1),
      'not json',
      good(2),
      '{"id":3,"vector":[1,2,3]}',
      '{"vector":[1,1]}',
      '{"id":6,"vector":[1,6],"payload":["a"]}',
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    const result = await cli(['ingest', file, '--table', table, '--size', '2']);
    assert.equal(result.code, 1);
    const stderr = result.stderr ?? '';
    assert.match(stderr, /bad\.jsonl:2: not JSON/);
    assert.match(stderr, /bad\.jsonl:4: "vector" has 3 values; the collection's vectors have 2/);
    assert.match(stderr, /bad\.jsonl:5: needs "id" or "record_id"/);
    assert.match(stderr, /bad\.jsonl:6: "payload" must be a JSON object/);
    assert.match(result.stdout, /^2 written, 4 rejected; re-running is safe$/m);
    assert.equal((await cli(['count', '--table', table])).stdout.trim(), '2');
  });

  test("cli - ingest checks the collection's size before sending and reports server rejections by line", async () => {
    const table = uniqueTable('dims');
    assert.equal((await cli(['collections', 'ensure', '--table', table, '--size', '3'])).code, 0);
    const file = path.join(dir, 'dims.jsonl');
    await writeFile(file, '{"id":1,"vector":[1,2]}\n{"id":2,"vector":[1,2,3]}\n');
    const result = await cli(['ingest', file, '--table', table]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr ?? '',
      /dims\.jsonl:1: "vector" has 2 values; the collection's vectors have 3/,
    );
    const nan = path.join(dir, 'nan.jsonl');
    await writeFile(nan, '{"id":1,"vector":[1,2,3]}\n{"id":2,"vector":[1,1e39,3]}\n');
    const rejected = await cli(['ingest', nan, '--table', table]);
    assert.equal(rejected.code, 1);
    assert.match(rejected.stderr ?? '', /nan\.jsonl:2: vector: /);
    assert.match(
      rejected.stderr ?? '',
      /nan\.jsonl:1: not written: its batch had errors on line 2/,
    );
    assert.match(
      rejected.stdout,
      /^0 written, 2 rejected \(1 good, dropped with their batch\); re-running is safe$/m,
    );
  });

  test('cli - ingest reports every error by file line, the good lines of a rejected batch, and no progress when piped', async () => {
    const table = uniqueTable('mixed');
    assert.equal((await cli(['collections', 'ensure', '--table', table, '--size', '2'])).code, 0);
    const file = path.join(dir, 'mixed.jsonl');
    const lines = [
      '{"id":1,"vector":[1,2]}',
      '{"id":2,"vector":[1,2,3]}',
      'not json',
      '{"id":4,"vector":[1,2],"payload":{"_va_x":1}}',
    ];
    await writeFile(file, `${lines.join('\n')}\n`);
    const result = await cli(['ingest', file, '--table', table]);
    assert.equal(result.code, 1);
    const stderr = (result.stderr ?? '').trimEnd().split('\n');
    assert.equal(stderr.length, 4, `one line per file line, no progress line: ${stderr.join('|')}`);
    for (const line of stderr) assert.match(line, /^\S*mixed\.jsonl:\d: /, 'each names file:line');
    assert.match(stderr.join('\n'), /mixed\.jsonl:4: payload\._va_x: /);
    assert.match(stderr.join('\n'), /mixed\.jsonl:1: not written: its batch had errors on line 4/);
    assert.match(
      result.stdout,
      /^0 written, 4 rejected \(1 good, dropped with their batch\); re-running is safe$/m,
    );
  });

  test('cli - ingest stops at once on what would fail every batch, in one line', async () => {
    const missing = await cli(['ingest', path.join(dir, 'x.jsonl'), '--table', 't']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr?.trim(), `no such file: ${path.join(dir, 'x.jsonl')}`);
    const file = path.join(dir, 'one.jsonl');
    await writeFile(file, '{"id":1,"vector":[1,2]}\n');
    const unknown = await cli(['ingest', file, '--table', uniqueTable('none')]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr ?? '', /no collection \S+ here: create it .* or pass --size/);
    const noTenant = await run(
      process.execPath,
      [CLI, 'collections', 'list', '--address', stack.address],
      { env: { ...process.env, VECTORADMIN_EVENTS: 'off', VECTORADMIN_API_KEY: ADMIN_KEY } },
    ).catch((err: { code: number; stderr: string }) => err);
    assert.equal('code' in noTenant ? noTenant.code : 0, 1);
    assert.match(noTenant.stderr, /tenant_id: .*pass --tenant T, or use the tenant's own key/);
  });

  test('cli - tenants provision, describe and deprovision, and tables list, as tables and JSON', async () => {
    const tables = await cli(['tables', 'list', '--json']);
    assert.equal(tables.code, 0);
    const profiles = JSON.parse(tables.stdout) as { table: string; config: { distance: string } }[];
    assert.deepEqual(
      profiles.map((p) => p.table),
      ['projects', 'pull_requests', 'users', 'work_items'],
    );
    assert.equal(profiles[0]?.config.distance, 'DISTANCE_COSINE', '--json prints enum names');
    assert.match(
      (await cli(['tables', 'list'])).stdout,
      /work_items\s+1536\s+cosine\s+collection_per_tenant/,
    );

    const provisioned = await cli(['tenants', 'provision', '--json']);
    assert.equal(provisioned.code, 0);
    const outcomes = JSON.parse(provisioned.stdout) as { tables: { outcome: string }[] };
    assert.deepEqual(
      outcomes.tables.map((t) => t.outcome),
      Array(4).fill('PROVISION_OUTCOME_CREATED'),
    );
    assert.match(
      (await cli(['tenants', 'provision'])).stdout,
      new RegExp(`users\\s+already_present\\s+client_${tenant}_users`),
    );
    assert.match(
      (await cli(['tenants', 'describe'])).stdout,
      new RegExp(`work_items\\s+present\\s+client_${tenant}_work_items\\s+1536\\s+cosine`),
    );

    const denied = await cli(['tenants', 'deprovision']);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr ?? '', /only the admin key/);
    const removed = await run(
      process.execPath,
      [CLI, 'tenants', 'deprovision', '--tenant', tenant, '--json'],
      {
        env: {
          ...process.env,
          VECTORADMIN_EVENTS: 'off',
          VECTORADMIN_API_KEY: ADMIN_KEY,
          VECTORADMIN_GRPC_ADDR: stack.address,
        },
      },
    );
    const answer = JSON.parse(removed.stdout) as { removed: { table: string }[] };
    assert.ok(answer.removed.some((r) => r.table === 'work_items'));
    assert.match((await cli(['tenants', 'describe'])).stdout, /work_items\s+missing/);
  });
});

test('cli - probe run prints each step, --json in the plan shape; a tenant key is refused, exit 1', async () => {
  const probeTenant = uniqueName('cli-probe');
  await using stack = await startTestStack({
    tenants: [probeTenant],
    env: { PERFORMANCE_TEST_TENANT_ID: probeTenant, PERFORMANCE_TEST_POINTS: '50' },
  });
  const probe = async (key: string, ...flags: string[]) => {
    const args = [CLI, 'probe', 'run', '--address', stack.address, '--key', key, ...flags];
    try {
      const { stdout } = await run(process.execPath, args, {
        env: { ...process.env, VECTORADMIN_EVENTS: 'off' },
      });
      return { code: 0, stdout, stderr: '' };
    } catch (err) {
      return err as { code: number; stdout: string; stderr: string };
    }
  };
  const table = await probe(ADMIN_KEY);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /passed in \d+\.\d+ s/);
  assert.match(table.stdout, /search_known_neighbour\s+ok/);
  const json = await probe(ADMIN_KEY, '--json');
  const parsed = JSON.parse(json.stdout) as {
    success: boolean;
    results: {
      test_name: string;
      vectors_created: unknown;
      records_processed: unknown;
      metrics: object;
    }[];
  };
  assert.equal(parsed.success, true);
  const upsert = parsed.results.find((r) => r.test_name === 'upsert');
  assert.deepEqual(Object.keys(upsert ?? {}).sort(), [
    'duration',
    'errors',
    'metrics',
    'records_processed',
    'success',
    'test_name',
    'vectors_created',
  ]);
  assert.equal(upsert?.vectors_created, 50, 'int64 counts print as numbers');
  assert.equal(upsert?.records_processed, 50);
  const refused = await probe(tenantKey(probeTenant));
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /admin key/);
});

test('cli - summary without consumer state names the path it read and VECTORADMIN_DATA_DIR', async () => {
  const empty = await mkdtemp(path.join(tmpdir(), 'vectoradmin-summary-'));
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, 'summary'], {
      env: { ...process.env, VECTORADMIN_EVENTS: 'off', VECTORADMIN_DATA_DIR: empty },
    });
    assert.equal(stdout.trim(), 'no summaries yet');
    const checkpoint = path.join(empty, 'consumer');
    assert.ok(stderr.includes(`no consumer state at ${checkpoint}${path.sep}`), stderr);
    assert.match(stderr, /set it to the data dir of the service or consumer that ran/);
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});
