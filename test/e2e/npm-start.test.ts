import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { connect, streamUpserts } from '../../src/client/index.js';
import { loadConfig } from '../../src/config/index.js';
import { readSummaries } from '../../src/consumer/index.js';
import type { CollectionsView } from '../../src/consumer/dashboard-collections-view.js';
import { closedPort } from '../helpers/closed-port.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import { alive, descendants } from '../helpers/process-tree.js';
import { waitFor } from '../helpers/wait-for.js';

/** The fields of a collections page row this test reads. */
interface CollectionJson {
  readonly table: string;
  readonly pointsCount: string;
}

test(
  'npm start - a newcomer gets service, consumer and NATS, and one SIGINT stops them all',
  { timeout: 240_000 },
  async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-start-'));
    const env = {
      ...process.env,
      VECTORADMIN_DATA_DIR: dataDir,
      NATS_URL: `nats://127.0.0.1:${await closedPort()}`,
      VECTORADMIN_GRPC_ADDR: '127.0.0.1:0',
      VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
      VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
      VECTORADMIN_SUMMARY_WINDOW_MS: '1000',
    };
    // Its own process group, so SIGINT to the group is what a terminal's Ctrl-C does.
    const npm = spawn('npm', ['start'], {
      cwd: path.resolve(import.meta.dirname, '../..'),
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      npm.once('exit', (code, signal) => resolve({ code, signal })),
    );
    let pids: number[] = [];
    try {
      const address = await waitFor(() => /gRPC\s+(127\.0\.0\.1:\d+)/.exec(output)?.[1], {
        timeoutMs: 180_000,
        reason: `the start-up banner with the gRPC address; output so far:\n${output}`,
      });
      assert.match(output, /started nats-server at nats:\/\/127\.0\.0\.1:\d+/);
      assert.match(output, /dev mode/);
      assert.match(output, /grpcurl -plaintext/);
      assert.match(output, /bench --quick/);
      pids = descendants(npm.pid ?? -1);
      assert.ok(
        pids.length >= 4,
        `npm, the supervisor, server, consumer and nats-server run: ${pids.length} processes`,
      );

      const connection = connect({ address });
      const random = seededRandom(21);
      const result = await streamUpserts(
        connection,
        [0, 1, 2].map((b) => ({
          tenantId: 'newcomer',
          table: 'work_items',
          points: wirePoints(random, 8, b * 10, 10).points,
          autoCreate: { vectorSize: 8, distance: 0, tenancy: 0 },
        })),
      );
      connection.close();
      assert.equal(result.upserted, 30);

      const config = loadConfig({ VECTORADMIN_DATA_DIR: dataDir });
      const points = await waitFor(
        async () => {
          const upserts = (await readSummaries(config)).filter(
            (s) =>
              s.operation === 'upsert' && s.tenant_id === 'newcomer' && s.scope === 'cumulative',
          );
          const total = upserts.reduce((sum, s) => sum + s.points, 0);
          return total === 30 ? total : undefined;
        },
        { timeoutMs: 30_000, reason: 'the consumer to count the 30 streamed points' },
      );
      assert.equal(points, 30);

      // The dashboard's collections page asks the service the supervisor started, at the
      // address it bound (port 0 here), with no key in dev mode.
      const dashboard = /dashboard\s+(http:\/\/\S+?)\/?\n/.exec(output)?.[1];
      assert.ok(dashboard, `the banner names the dashboard:\n${output}`);
      assert.match(output, new RegExp(`collections\\s+${dashboard}/collections`));
      const view = (await (await fetch(`${dashboard}/api/collections`)).json()) as CollectionsView;
      assert.ok(view.ok, JSON.stringify(view));
      assert.equal(view.service, address);
      assert.deepEqual(
        view.tenants.map((g) => [
          g.tenant_id,
          g.collections.map((c) => (c as CollectionJson).table),
        ]),
        [['newcomer', ['work_items']]],
      );
      assert.equal((view.tenants[0]?.collections[0] as CollectionJson).pointsCount, '30');

      process.kill(-(npm.pid ?? 0), 'SIGINT');
      const { code, signal } = await exited;
      // npm itself dies of the SIGINT like any Ctrl-C'd npm; the supervisor under it stops cleanly.
      assert.ok(code === 0 || signal === 'SIGINT', `npm ended with code ${code}, signal ${signal}`);
      assert.match(output, /^stopped$/m, `the supervisor reports a clean stop; output:\n${output}`);
      assert.doesNotMatch(output, /exited unexpectedly|after a failure/);
      await waitFor(() => pids.every((pid) => !alive(pid)), {
        timeoutMs: 15_000,
        reason: 'every child process to be gone',
      });
    } finally {
      for (const pid of [npm.pid ?? -1, ...pids]) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
