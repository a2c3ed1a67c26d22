import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { seededRandom, randomVector } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

describe('cli', () => {
  const tenant = uniqueName('cli');
  let stack: TestStack;
  let dir: string;
  const cli = async (args: string[]) => {
    try {
      const { stdout } = await run(
        process.execPath,
        ['--import', 'tsx', CLI, ...args, '--address', stack.address, '--key', tenantKey(tenant)],
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
    const listed = await cli(['collections', 'list']);
    assert.match(
      listed.stdout,
      new RegExp(`${table}\\s+client_${tenant}_${table}\\s+4\\s+dot\\s+0`),
    );
    const bad = await cli(['collections', 'get', '--table', 'Bad.Name']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr ?? '', /field-violation|table:/);
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
    assert.equal((await cli(['count', '--table', table])).stdout.trim(), '2');
    const filter = '{"must":[{"key":"n","match":3}]}';
    const byFilter = await cli(['points', 'delete', '--table', table, '--filter', filter]);
    assert.equal(byFilter.code, 0, byFilter.stderr);
    assert.equal((await cli(['count', '--table', table])).stdout.trim(), '1');
    const neither = await cli(['points', 'delete', '--table', table]);
    assert.equal(neither.code, 2);
    assert.match(neither.stderr ?? '', /--ids and\/or --filter/);
  });

  test('cli - a malformed JSONL line is reported with its line number, exit code 2', async () => {
    const file = path.join(dir, 'bad.jsonl');
    await writeFile(file, '{"id":1,"vector":[1,2]}\nnot json\n');
    const result = await cli(['ingest', file, '--table', uniqueTable('bad'), '--size', '2']);
    assert.equal(result.code, 2);
    assert.match(result.stderr ?? '', /bad\.jsonl:2: not JSON/);
  });
});
