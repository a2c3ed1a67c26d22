import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, openSync, statfsSync, writeSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import {
  connect,
  statusDetails,
  streamUpserts,
  vectorAdminApi,
  wireVector,
  type StreamBatch,
} from '../../src/client/index.js';
import { Distance, type Point } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { DEFAULT_LOG_FILE_MAX_BYTES } from '../../src/logging/index.js';
import { reportReliability } from '../helpers/fault-report.js';
import { runningAsRoot } from '../helpers/fault-service-process.js';
import { waitForHealth } from '../helpers/health.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import { alive, descendants } from '../helpers/process-tree.js';
import { waitFor } from '../helpers/wait-for.js';

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');
const MiB = 1024 * 1024;
const DIM = 64;
const BATCH = 100;
const TENANT = 'disk-full';
const TABLE = 'items';
const CONFIG = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };

function freeBytes(dir: string): number {
  const s = statfsSync(dir);
  return s.bavail * s.bsize;
}

/** Writes `bytes` into `file` (appending), stopping quietly at ENOSPC; returns what it wrote. */
function fill(file: string, bytes: number): number {
  const fd = openSync(file, 'a');
  let written = 0;
  try {
    for (const chunk of [MiB, 4096, 1]) {
      const buffer = Buffer.alloc(chunk, 7);
      while (written + chunk <= bytes) {
        try {
          written += writeSync(fd, buffer);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    closeSync(fd);
  }
  return written;
}

function plainIdKey(point: Point): string {
  const kind = point.id?.kind;
  return `${kind?.$case}:${String(kind?.value)}`;
}

function batches(random: () => number, from: number, count: number): StreamBatch[] {
  return Array.from({ length: count }, (_, b) => ({
    tenantId: TENANT,
    table: TABLE,
    points: wirePoints(random, DIM, from + b * BATCH, BATCH).points,
  }));
}

test(
  'faults - a full data disk refuses writes with UNAVAILABLE and RetryInfo, health says why, reads work, no process dies, writes resume',
  { timeout: 300_000 },
  async (t) => {
    if (!runningAsRoot()) {
      console.log('# skipped: mounting a small tmpfs as the data disk needs root');
      t.skip('mounting a tmpfs needs root');
      return;
    }
    const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-diskfull-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', dataDir], { stdio: 'pipe' });
    } catch (err) {
      await rmdir(dataDir);
      console.log(`# skipped: mount -t tmpfs failed: ${(err as Error).message}`);
      t.skip(`mount -t tmpfs failed: ${(err as Error).message}`);
      return;
    }
    let supervisor: ReturnType<typeof spawn> | undefined;
    let pids: number[] = [];
    try {
      await using nats = await NatsServer.start();
      supervisor = spawn(process.execPath, ['--import', 'tsx', CLI, 'start'], {
        env: {
          ...process.env,
          VECTORADMIN_DATA_DIR: dataDir,
          NATS_URL: nats.url,
          VECTORADMIN_GRPC_ADDR: '127.0.0.1:0',
          VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
          VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
          VECTORADMIN_EVENTS: 'on',
        },
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      supervisor.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      supervisor.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const address = await waitFor(() => /gRPC\s+(127\.0\.0\.1:\d+)/.exec(output)?.[1], {
        timeoutMs: 120_000,
        reason: `the start-up banner; output so far:\n${output}`,
      });
      pids = [supervisor.pid ?? -1, ...descendants(supervisor.pid ?? -1)];
      const connection = connect({ address });
      const api = vectorAdminApi(connection);
      const random = seededRandom(17);
      const acked = new Set<string>();
      const ackAll = (list: readonly StreamBatch[]) => {
        for (const batch of list) for (const p of batch.points) acked.add(plainIdKey(p));
      };
      await api.ensureCollection({ tenantId: TENANT, table: TABLE, config: CONFIG });
      const before = batches(random, 0, 10);
      const first = await streamUpserts(connection, before);
      assert.equal(first.upserted, 10 * BATCH);
      ackAll(before);

      const refusedUpsert = async (from: number) => {
        const points: Point[] = wirePoints(random, DIM, from, BATCH).points;
        const err = await api.upsert({ tenantId: TENANT, table: TABLE, points, seq: 0n }).then(
          () => undefined,
          (e: unknown) => e as ServiceError,
        );
        assert.ok(err !== undefined, 'an upsert on a full disk is refused');
        assert.equal(err.code, status.UNAVAILABLE, err.message);
        const details = statusDetails(err);
        assert.ok(
          (details?.retryAfterMs ?? 0) > 0,
          `the refusal carries google.rpc.RetryInfo: ${err.details}`,
        );
        return err;
      };
      const assertReads = async () => {
        const count = await api.count({ tenantId: TENANT, table: TABLE, exact: true });
        assert.equal(Number(count.count), acked.size, 'reads keep working');
        const hits = await api.search({
          tenantId: TENANT,
          table: TABLE,
          vector: wireVector(new Float32Array(DIM).fill(0.1), 'f32le'),
          limit: 3,
          withPayload: false,
        });
        assert.equal(hits.points.length, 3);
      };

      // Phase 1: under the free-space reserve, with room left for logs.
      const filler = path.join(dataDir, 'filler');
      fill(filler, freeBytes(dataDir) - 4 * MiB);
      // Health looks at the disk every few seconds; after it, every write sees the disk as full.
      assert.equal(await waitForHealth(connection, '', 'NOT_SERVING'), 'NOT_SERVING');
      const under = await refusedUpsert(1_000_000);
      assert.match(under.details, /free/);
      for (let i = 0; i < 20; i++) await refusedUpsert(1_000_000 + i * BATCH);
      await waitFor(() => /\[server\] warn: store not answering:.*MiB free/.exec(output)?.[0], {
        timeoutMs: 10_000,
        reason: `the supervisor to echo why health is NOT_SERVING; output:\n${output}`,
      });
      await assertReads();
      const serverLog = path.join(dataDir, 'logs', 'server.log');
      const refusals = (await readFile(serverLog, 'utf8'))
        .split('\n')
        .filter((line) => line.includes('"operation unavailable"'));
      assert.ok(refusals.length > 0, 'refused calls are logged');
      for (const line of refusals) assert.doesNotMatch(line, /"stack"/);

      // Phase 2: the disk entirely full; a stream keeps retrying meanwhile.
      const filledToZero = fill(filler, Number.MAX_SAFE_INTEGER);
      assert.ok(filledToZero >= 0 && freeBytes(dataDir) < 4096, 'the disk is full');
      const during = batches(random, 2_000_000, 10);
      let acksDuringFull = 0;
      const resumed = streamUpserts(connection, during, {
        retry: { maxAttempts: 1000, initialDelayMs: 50, maxDelayMs: 500 },
        onAck: () => acksDuringFull++,
      });
      for (let i = 0; i < 50; i++) await refusedUpsert(3_000_000 + i * BATCH);
      await assertReads();
      assert.equal(acksDuringFull, 0, 'nothing is acknowledged while the disk is full');
      assert.deepEqual(
        pids.filter((pid) => !alive(pid)),
        [],
        `every process survives; output:\n${output}`,
      );

      // Phase 3: space returns; writes resume without a restart.
      await rm(filler);
      assert.equal(await waitForHealth(connection, '', 'SERVING'), 'SERVING');
      const result = await resumed;
      assert.equal(result.upserted, during.length * BATCH);
      ackAll(during);
      const after = batches(random, 4_000_000, 5);
      assert.equal((await streamUpserts(connection, after)).upserted, 5 * BATCH);
      ackAll(after);
      await assertReads();
      assert.deepEqual(
        pids.filter((pid) => !alive(pid)),
        [],
        `every process survives; output:\n${output}`,
      );
      assert.doesNotMatch(output, /exited unexpectedly|after a failure/);
      for (const name of await readdir(path.join(dataDir, 'logs'))) {
        const size = (await stat(path.join(dataDir, 'logs', name))).size;
        assert.ok(size <= DEFAULT_LOG_FILE_MAX_BYTES, `${name} is ${size} bytes`);
      }
      connection.close();

      await reportReliability({
        kind: 'fault',
        test: 'data disk full (64 MiB tmpfs) under the supervisor',
        what: 'disk filled to 4 MiB free (under the 8 MiB reserve), then to 0, while unary upserts and a retrying stream ran; then the filler removed',
        checked:
          'every refused write UNAVAILABLE with RetryInfo; health NOT_SERVING with the reason echoed; count and search answer; supervisor, server and consumer alive; no stack in refusal log lines; stream resumes by itself; Count = acknowledged ids',
        figures: {
          refusedUpserts: 71,
          stackFreeRefusalLines: refusals.length,
          streamReconnects: result.reconnects,
          ackedPoints: acked.size,
          processesAlive: pids.length,
        },
      });

      process.kill(-(supervisor.pid ?? 0), 'SIGINT');
      await waitFor(() => /^stopped$/m.exec(output)?.[0], {
        timeoutMs: 30_000,
        reason: `the supervisor to stop cleanly; output:\n${output}`,
      });
    } finally {
      for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
      await waitFor(() => pids.every((pid) => !alive(pid)), {
        timeoutMs: 15_000,
        reason: 'every child to be gone before unmounting',
      }).catch(() => undefined);
      try {
        execFileSync('umount', [dataDir], { stdio: 'pipe' });
      } catch {
        execFileSync('umount', ['-l', dataDir], { stdio: 'pipe' });
      }
      await rmdir(dataDir);
    }
  },
);
