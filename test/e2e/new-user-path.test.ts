import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { closedPort } from '../helpers/closed-port.js';
import { alive, descendants } from '../helpers/process-tree.js';
import {
  fetchAllFiles,
  readmeGrpcurlCalls,
  reflectionClient,
  runReflectedCalls,
} from '../helpers/reflection.js';
import { waitFor } from '../helpers/wait-for.js';
import { requirePythonTools } from './python/python-tools.js';

// Issue 13's "done when": a stranger's path, every command taken from the README as written.
// Fresh clone → the two commands → the grpcurl call through reflection → the CLI's help,
// ingest, search, get and delete → the Python client from the protoc line → the dashboard,
// and nothing left running. Only environment variables differ (ports, data dir, NATS).

const ROOT = path.resolve(import.meta.dirname, '../..');
const DIM = 1536;
const run = promisify(execFile);
// The bench and the probe have their own tests (bench-quick, performance-probe) and need a
// long run or a probe tenant; their lines are checked for --help only.
const NOT_RUN = /^vector-admin (bench|probe)\b/;

/** The lines of the README's first ```sh block after `heading`. */
function shBlock(readme: string, heading: string): string[] {
  const from = readme.indexOf(heading);
  assert.ok(from >= 0, `README has ${heading}`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(from))?.[1];
  assert.ok(block !== undefined, `a sh block after ${heading}`);
  return block.split('\n').filter((line) => line.trim() !== '');
}

/** The command a README line names, e.g. `points get`: its words up to the first flag or file. */
function commandWords(line: string): string[] {
  const words: string[] = [];
  for (const word of line.split(/\s+/).slice(1)) {
    if (!/^[a-z]+$/.test(word)) break;
    words.push(word);
  }
  return words;
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function vector(seed: number): number[] {
  return Array.from({ length: DIM }, (_, i) => Math.sin(seed * 7.1 + i * 0.37));
}

test(
  "new user - clone, the README's two commands, grpcurl via reflection, the CLI, Python and the dashboard",
  { timeout: 600_000 },
  async () => {
    requirePythonTools();
    const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
    const [install, start] = shBlock(readme, '## Two commands');
    assert.match(install ?? '', /^npm install\b/);
    assert.match(start ?? '', /^npm start\b/);
    const cliLines = shBlock(readme, '### The CLI');
    const protoc = /^protoc .*--grpc_python_out=.*$/m.exec(readme)?.[0];
    assert.ok(protoc !== undefined, "the README's protoc line");

    const work = await mkdtemp(path.join(tmpdir(), 'vectoradmin-new-user-'));
    const clone = path.join(work, 'vectoradmin');
    const dataDir = path.join(work, 'data');
    const bin = path.join(work, 'bin');
    let npm: ReturnType<typeof spawn> | undefined;
    let pids: number[] = [];
    try {
      await run('git', ['clone', '-q', ROOT, clone], { timeout: 120_000 });
      // The npm cache is warm: prefer it over asking the registry about every package.
      const installEnv = {
        ...process.env,
        npm_config_prefer_offline: 'true',
        npm_config_audit: 'false',
        npm_config_fund: 'false',
      };
      const began = Date.now();
      await run('/bin/sh', ['-c', install ?? ''], {
        cwd: clone,
        env: installEnv,
        timeout: 400_000,
        maxBuffer: 64 * 1024 * 1024,
      });
      console.log(`npm install in the clone took ${((Date.now() - began) / 1000).toFixed(1)} s`);

      const env = {
        ...process.env,
        VECTORADMIN_DATA_DIR: dataDir,
        NATS_URL: `nats://127.0.0.1:${await closedPort()}`,
        VECTORADMIN_GRPC_ADDR: '127.0.0.1:0',
        VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
        VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
      };
      // Its own process group, as a terminal runs it.
      npm = spawn('/bin/sh', ['-c', start ?? ''], {
        cwd: clone,
        env,
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      npm.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      npm.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exited = new Promise<void>((resolve) => npm?.once('exit', () => resolve()));
      const address = await waitFor(() => /gRPC\s+(127\.0\.0\.1:\d+)/.exec(output)?.[1], {
        timeoutMs: 400_000,
        reason: `the start-up banner; output so far:\n${output}`,
      });
      const natsUrl = /events\s+(nats:\/\/\S+) \(started here\)/.exec(output)?.[1];
      const dashboard = /dashboard\s+(http:\/\/\S+?)\/?\n/.exec(output)?.[1];
      const prometheus = /prometheus\s+http:\/\/(\S+)\//.exec(output)?.[1];
      assert.ok(natsUrl && dashboard && prometheus, `the banner names every address:\n${output}`);
      pids = descendants(npm.pid ?? -1);

      // grpcurl's way: descriptors from reflection only, the README's JSON as written.
      const reflection = reflectionClient('v1', address);
      try {
        const calls = await readmeGrpcurlCalls(clone);
        const report = await runReflectedCalls({
          address,
          files: (await fetchAllFiles(reflection)).map((f) => f.bytes.toString('base64')),
          calls,
        });
        assert.equal(
          report.responses[0]?.created,
          true,
          'EnsureCollection created acme/work_items',
        );
        assert.deepEqual(report.responses[1], { status: 'SERVING' });
      } finally {
        reflection.close();
      }

      // The CLI as installed (package.json's bin), each README line run by a shell as written.
      await mkdir(bin);
      await writeFile(
        path.join(bin, 'vector-admin'),
        `#!/bin/sh\nexec "${process.execPath}" "${path.join(clone, 'dist/cli/main.js')}" "$@"\n`,
      );
      await chmod(path.join(bin, 'vector-admin'), 0o755);
      const rows = [
        ...[0, 1, 2, 3].map((i) => ({
          record_id: `WI-${i}`,
          vector: vector(i),
          payload: { state: i % 2 === 0 ? 'open' : 'closed' },
        })),
        { id: 42, vector: vector(42), payload: { state: 'open' } },
      ];
      await writeFile(
        path.join(work, 'items.jsonl'),
        rows.map((r) => JSON.stringify(r)).join('\n'),
      );
      await writeFile(path.join(work, 'query.json'), JSON.stringify(vector(1)));
      const cliEnv = {
        ...process.env,
        PATH: `${bin}:${process.env.PATH ?? ''}`,
        VECTORADMIN_GRPC_ADDR: address,
        VECTORADMIN_DATA_DIR: dataDir,
        NATS_URL: natsUrl,
      };
      const sh = async (line: string) => {
        const { stdout } = await run('/bin/sh', ['-c', line], {
          cwd: work,
          env: cliEnv,
          timeout: 60_000,
        }).catch((err: Error & { stderr?: string }) => {
          throw new Error(`${line}\n${err.message}\n${err.stderr ?? ''}`, { cause: err });
        });
        return stdout;
      };
      assert.match(await sh('vector-admin --help'), /Usage: vector-admin/);
      // Checked right after the README's delete line: later lines (tenants deprovision) remove
      // the tenant's collections.
      const afterDelete = async (): Promise<void> => {
        assert.equal(
          (await sh('vector-admin count --tenant acme --table work_items')).trim(),
          '3',
          'points delete removed WI-0 and WI-1',
        );

        // The Python route: the README's protoc line, run in the checkout, then one call.
        await run('/bin/sh', ['-c', protoc], { cwd: clone, timeout: 60_000 });
        const python = [
          'import sys, grpc',
          'from vectoradmin.v1 import vectoradmin_pb2 as pb, vectoradmin_pb2_grpc as rpc',
          'stub = rpc.VectorAdminStub(grpc.insecure_channel(sys.argv[1]))',
          "c = stub.GetCollection(pb.GetCollectionRequest(tenant_id='acme', table='work_items'))",
          'print(c.name, c.points_count)',
        ].join('\n');
        const { stdout: pyOut } = await run('/usr/bin/python3', ['-B', '-c', python, address], {
          cwd: clone,
          timeout: 60_000,
        });
        assert.equal(pyOut.trim(), 'client_acme_work_items 3');
      };
      const outputs = new Map<string, string>();
      for (const line of cliLines) {
        const words = commandWords(line).join(' ');
        assert.match(await sh(`vector-admin ${words} --help`), /usage: /i, line);
        if (NOT_RUN.test(line)) continue;
        outputs.set(words, await sh(line));
        if (words === 'points delete') await afterDelete();
      }
      assert.ok(outputs.has('points delete'), "the README's points delete line ran");
      assert.match(
        outputs.get('collections list') ?? '',
        /work_items\s+client_acme_work_items\s+1536/,
      );
      assert.match(outputs.get('ingest') ?? '', /5 written, 0 rejected/);
      assert.match(
        outputs.get('search') ?? '',
        /^ID\s+SCORE\s+PAYLOAD\n[-\s]+\nWI-1\s+1\.0000/,
        'the query is WI-1 itself',
      );
      assert.equal(outputs.get('count')?.trim(), '3');
      const got = JSON.parse(outputs.get('points get') ?? '[]') as { id: unknown }[];
      assert.deepEqual(
        got.map((p) => p.id),
        ['WI-0', 42],
        'ids as written',
      );
      // The dashboard shows what was done, under the tenant's filter (all: cumulative rows too).
      let shown: string[] = [];
      const seen = await waitFor(
        async () => {
          const res = await fetch(`${dashboard}/snapshot.json?range=all&tenant=acme`);
          const view = (await res.json()) as { rows: { operation: string }[] };
          const ops = new Set(view.rows.map((r) => r.operation));
          const wanted = [
            'ensure_collection',
            'list_collections',
            'upsert',
            'search',
            'count',
            'get_points',
            'delete_points',
            'get_collection',
          ];
          shown = [...ops].sort();
          return wanted.every((op) => ops.has(op)) ? shown : undefined;
        },
        {
          timeoutMs: 120_000,
          reason: 'every operation of the path on the dashboard',
          detail: () => ({ shown }),
        },
      );
      assert.ok(seen.length >= 8);
      const page = await (await fetch(`${dashboard}/snapshot?range=all&tenant=acme`)).text();
      assert.match(page, /window\.SNAPSHOT = /);

      // Ctrl-C: everything stops and every port is free again.
      process.kill(-(npm.pid ?? 0), 'SIGINT');
      await exited;
      await waitFor(() => pids.every((pid) => !alive(pid)), {
        timeoutMs: 30_000,
        reason: 'every process npm start started to be gone',
      });
      const ports = [address, new URL(dashboard).host, prometheus, new URL(natsUrl).host].map(
        (hostPort) => Number(hostPort.split(':').at(-1)),
      );
      for (const port of ports) assert.ok(await portFree(port), `port ${port} is free`);
      assert.match(output, /^stopped$/m, output);
    } finally {
      for (const pid of [npm?.pid ?? -1, ...pids]) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await rm(work, { recursive: true, force: true });
    }
  },
);
