import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { closedPort } from '../helpers/closed-port.js';
import { NatsServer } from '../helpers/nats-server.js';
import { alive, descendants } from '../helpers/process-tree.js';
import { waitFor } from '../helpers/wait-for.js';

// Issue 13, item 6: every way of stopping `npm start` stops every child. npm passes no signal
// on to its script, so the supervisor must notice its parent is gone; a service whose
// supervisor died (even by SIGKILL) stops by itself, and so does a nats-server it started.

const ROOT = path.resolve(import.meta.dirname, '../..');

async function startNpm(natsUrl: string) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-signals-'));
  const npm = spawn('npm', ['start'], {
    cwd: ROOT,
    env: {
      ...process.env,
      VECTORADMIN_DATA_DIR: dataDir,
      NATS_URL: natsUrl,
      VECTORADMIN_GRPC_ADDR: '127.0.0.1:0',
      VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
      VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
    },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  npm.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  npm.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await waitFor(() => /gRPC\s+127\.0\.0\.1:\d+/.test(output) || undefined, {
    timeoutMs: 180_000,
    reason: `the start-up banner; output so far:\n${output}`,
  });
  const pids = descendants(npm.pid ?? -1);
  return { npm, pids, dataDir, output: () => output };
}

// Each test starts its own stack on ports of its own, so two run at once; the build they all
// start from is made current first (npm start's prestart would otherwise build in each).
describe('cli signals', { concurrency: 2 }, () => {
  before(async () => {
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/ensure-build.ts'], {
      cwd: ROOT,
      timeout: 300_000,
    });
  });

  for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
    test(
      `cli signals - ${signal} to the npm start process stops every child`,
      { timeout: 240_000 },
      async () => {
        // NATS answering at NATS_URL: the supervisor runs only the service and the consumer.
        await using nats = await NatsServer.start();
        const started = await startNpm(nats.url);
        try {
          assert.ok(started.pids.length >= 3, 'the supervisor, service and consumer run');
          process.kill(started.npm.pid ?? -1, signal);
          await waitFor(() => started.pids.every((pid) => !alive(pid)) || undefined, {
            timeoutMs: 30_000,
            reason: `every child of npm to be gone after ${signal}; output:\n${started.output()}`,
          });
        } finally {
          for (const pid of [started.npm.pid ?? -1, ...started.pids])
            if (alive(pid)) process.kill(pid, 'SIGKILL');
          await rm(started.dataDir, { recursive: true, force: true });
        }
      },
    );
  }

  const NATS_CASES = [
    { name: 'NATS answering', spawnsNats: false },
    { name: 'a nats-server it started', spawnsNats: true },
  ] as const;

  for (const { name, spawnsNats } of NATS_CASES) {
    test(
      `cli signals - every child stops when the supervisor is killed (${name})`,
      { timeout: 240_000 },
      async () => {
        await using nats = spawnsNats ? undefined : await NatsServer.start();
        const natsUrl = nats?.url ?? `nats://127.0.0.1:${await closedPort()}`;
        const started = await startNpm(natsUrl);
        try {
          const supervisor = descendants(started.npm.pid ?? -1).find(
            (pid) => descendants(pid).length >= 2,
          );
          assert.ok(supervisor !== undefined, 'the supervisor, parent of service and consumer');
          const children = descendants(supervisor);
          assert.equal(children.length, spawnsNats ? 3 : 2, 'service, consumer (and nats-server)');
          process.kill(supervisor, 'SIGKILL');
          await waitFor(() => children.every((pid) => !alive(pid)) || undefined, {
            timeoutMs: 30_000,
            reason: `every child to stop without its supervisor; output:\n${started.output()}`,
          });
        } finally {
          for (const pid of [started.npm.pid ?? -1, ...started.pids])
            if (alive(pid)) process.kill(pid, 'SIGKILL');
          await rm(started.dataDir, { recursive: true, force: true });
        }
      },
    );
  }
});
