import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@lancedb/lancedb';
import { describe, test } from 'node:test';
import type { VectorIndexPolicy } from '../../src/stores/embedded-index.js';
import { BUILDER_CACHE_BYTES } from '../../src/stores/embedded-index-builder.js';
import type { BuilderRequest } from '../../src/stores/embedded-index-job.js';
import {
  DIM,
  POLICY,
  clusteredPoints,
  openIndexedStore,
  topIds,
  upsertInBatches,
  vectorIndexType,
  waitIndexed,
} from '../helpers/embedded-index-fixture.js';
import { alive, descendants } from '../helpers/process-tree.js';
import { uniqueCollection } from '../helpers/vector-store-contract-data.js';
import { waitFor } from '../helpers/wait-for.js';

/** Builds start as soon as they are due, in a builder process. */
const AT_ONCE: Partial<VectorIndexPolicy> = { ...POLICY, builder: 'process', maxDeferMs: 0 };

interface Builder {
  readonly pid: number;
  readonly request: BuilderRequest;
}

/** The index builder processes under `root` and what each was asked to do. */
function builders(root = process.pid): Builder[] {
  const found: Builder[] = [];
  for (const pid of descendants(root)) {
    try {
      const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
      if (!args.some((a) => a.includes('embedded-index-worker'))) continue;
      found.push({ pid, request: JSON.parse(args[args.length - 1]!) as BuilderRequest });
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** The builder process working on `table`, once it runs. */
function builderOf(table: string, root = process.pid): Promise<Builder> {
  return waitFor(() => builders(root).find((b) => b.request.table === table), {
    timeoutMs: 30_000,
    reason: `an index builder process for ${table}`,
  });
}

/** The nice value of a process's main thread (field 19 of /proc/PID/stat). */
function niceOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('embedded store index builder process', () => {
  test('builder process - the build runs in a child at the lowest priority with the options the store computed; writes and searches go on while it is held', async () => {
    const errors: string[] = [];
    const f = await openIndexedStore(errors, AT_ONCE);
    try {
      const name = uniqueCollection('builder held');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const first = clusteredPoints(31, 700);
      await upsertInBatches(f.store, name, first);
      const builder = await builderOf(name);
      process.kill(builder.pid, 'SIGSTOP');
      try {
        assert.equal(niceOf(builder.pid), 19);
        // Cosine is indexed as dot (vectors are stored normalized): the store's computation.
        assert.deepEqual(builder.request.job, {
          op: 'vector-index',
          spec: { type: 'hnswSq', options: { distanceType: 'dot', m: 16, efConstruction: 100 } },
        });
        assert.deepEqual(builder.request.cacheBytes, BUILDER_CACHE_BYTES);
        const during = await f.store.getCollection(name);
        assert.deepEqual([during?.status, during?.indexedVectorsCount], ['yellow', 0]);
        const more = clusteredPoints(32, 200, 10_000);
        for (let i = 0; i < more.length; i += 50) {
          const batch = more.slice(i, i + 50);
          await f.store.upsert(name, batch);
          for (const p of [batch[0]!, batch[49]!]) {
            assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
          }
        }
        assert.equal(await f.store.count(name, undefined, true), 900);
      } finally {
        process.kill(builder.pid, 'SIGCONT');
      }
      const done = await waitIndexed(f.store, name);
      assert.equal(done.pointsCount, 900);
      for (const p of [first[0]!, first[699]!]) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
      }
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('builder process - builds of several collections due at once run at most maxBuilderProcesses at a time; every collection gets its index', async () => {
    const errors: string[] = [];
    const f = await openIndexedStore(errors, { ...AT_ONCE, maxBuilderProcesses: 1 });
    try {
      const names = [1, 2, 3].map((i) => uniqueCollection(`builder slots ${i}`));
      for (const name of names)
        await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      // Without the limit all three ran together for as long as a build takes (~1 s here).
      let most = 0;
      const sampler = setInterval(() => {
        most = Math.max(most, builders().length);
      }, 10);
      try {
        await Promise.all(
          names.map((name, i) => upsertInBatches(f.store, name, clusteredPoints(60 + i, 700))),
        );
        for (const name of names) assert.equal((await waitIndexed(f.store, name)).pointsCount, 700);
      } finally {
        clearInterval(sampler);
      }
      assert.equal(most, 1, 'builder processes seen at once');
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('builder process - a builder killed mid-build leaves the table readable and writable; status is red, then the retried build turns it green', async () => {
    const errors: string[] = [];
    const f = await openIndexedStore(errors, { ...AT_ONCE, buildRetryMs: 1_000 });
    try {
      const name = uniqueCollection('builder killed');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'euclid' });
      await upsertInBatches(f.store, name, clusteredPoints(33, 700));
      const killed = await builderOf(name);
      process.kill(killed.pid, 'SIGKILL');
      await waitFor(async () => (await f.store.getCollection(name))?.status === 'red', {
        timeoutMs: 30_000,
        reason: 'status red after the builder was killed',
      });
      const fresh = clusteredPoints(34, 50, 10_000);
      await f.store.upsert(name, fresh);
      assert.equal((await topIds(f.store, name, fresh[7]!.vector))[0], fresh[7]!.id);
      assert.equal(await f.store.count(name, undefined, true), 750);

      const done = await waitIndexed(f.store, name);
      assert.equal(done.indexedVectorsCount, 750);
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0]!, /vector index build failed.*SIGKILL/);
    } finally {
      await f.cleanup();
    }
  });

  test('builder process - a rebuild killed mid-way leaves the old index serving and is not tried again before buildRetryMs; a reopened store rebuilds it', async () => {
    const errors: string[] = [];
    const policy: Partial<VectorIndexPolicy> = {
      ...AT_ONCE,
      kind: 'auto',
      ivfRqRows: 1_000,
      buildRetryMs: 3_600_000,
    };
    const f = await openIndexedStore(errors, policy);
    const rebuilds = new Set<number>();
    const rebuildOf = (name: string) =>
      builders().find((b) => {
        const job = b.request.job;
        return b.request.table === name && job.op === 'vector-index' && job.spec.type === 'ivfRq';
      });
    const sampler = setInterval(() => {
      for (const b of builders()) if (b.request.job.op === 'vector-index') rebuilds.add(b.pid);
    }, 10);
    try {
      const name = uniqueCollection('builder rebuild killed');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const first = clusteredPoints(38, 700);
      await upsertInBatches(f.store, name, first);
      await waitIndexed(f.store, name);
      assert.equal(await vectorIndexType(f.dataDir, name), 'IVF_HNSW_SQ');
      rebuilds.clear();

      await upsertInBatches(f.store, name, clusteredPoints(39, 400, 5_000));
      const killed = await waitFor(() => rebuildOf(name), {
        timeoutMs: 30_000,
        reason: `the ivf_rq rebuild of ${name}`,
      });
      // The sampler may not have seen it before it was killed and reaped.
      rebuilds.add(killed.pid);
      process.kill(killed.pid, 'SIGKILL');
      await waitFor(() => errors.length > 0, { timeoutMs: 30_000, reason: 'the failure logged' });
      // Each write after the failure would have started the rebuild again at once.
      const later = clusteredPoints(40, 200, 9_000);
      for (let i = 0; i < later.length; i += 50) {
        await f.store.upsert(name, later.slice(i, i + 50));
        await f.store.maintenanceSettled(name);
      }
      assert.deepEqual([...rebuilds], [killed.pid], 'rebuild processes started');
      assert.equal(await vectorIndexType(f.dataDir, name), 'IVF_HNSW_SQ');
      for (const p of [first[3]!, later[199]!]) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
      }
      assert.equal(errors.length, 1, errors.join('\n'));
      assert.match(errors[0]!, /vector index rebuild failed.*SIGKILL/);

      const reopened = await f.reopen();
      assert.equal((await waitIndexed(reopened, name)).indexedVectorsCount, 1_300);
      assert.equal(await vectorIndexType(f.dataDir, name), 'IVF_RQ');
    } finally {
      clearInterval(sampler);
      await f.cleanup();
    }
  });

  test('builder process - an index update killed mid-way is tried again buildRetryMs later with no write to start it; the collection turns green', async () => {
    const errors: string[] = [];
    // The update is due at the first batch of 100 (the fixture's quietMs would hold it 10 min).
    const policy: Partial<VectorIndexPolicy> = {
      ...AT_ONCE,
      kind: 'hnsw_sq',
      updateRows: 100,
      buildRetryMs: 1_000,
    };
    const f = await openIndexedStore(errors, policy);
    try {
      const name = uniqueCollection('builder update killed');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      await upsertInBatches(f.store, name, clusteredPoints(41, 700));
      await waitIndexed(f.store, name);

      await f.store.upsert(name, clusteredPoints(42, 100, 5_000));
      const killed = await waitFor(
        () => builders().find((b) => b.request.table === name && b.request.job.op === 'optimize'),
        { timeoutMs: 30_000, reason: `the index update of ${name}` },
      );
      process.kill(killed.pid, 'SIGKILL');
      await waitFor(() => errors.length > 0, { timeoutMs: 30_000, reason: 'the failure logged' });
      assert.match(errors[0]!, /vector index update failed.*failed to compact/);

      // No write and no settling from here on: only the store's own retry can index the rows.
      const green = await waitFor(
        async () => {
          const c = await f.store.getCollection(name);
          return c?.status === 'green' && c.indexedVectorsCount === 800 ? c : undefined;
        },
        {
          timeoutMs: 60_000,
          reason: 'the update retried and every point indexed',
          detail: () => f.store.getCollection(name),
        },
      );
      assert.equal(green.pointsCount, 800);
      assert.equal(errors.length, 1, errors.join('\n'));
    } finally {
      await f.cleanup();
    }
  });

  test('builder process - after an index update killed mid-way no update starts before buildRetryMs, whatever writes arrive; every point is found meanwhile', async () => {
    const errors: string[] = [];
    const policy: Partial<VectorIndexPolicy> = {
      ...AT_ONCE,
      kind: 'hnsw_sq',
      updateRows: 100,
      quietMs: 50,
      buildRetryMs: 3_600_000,
    };
    const f = await openIndexedStore(errors, policy);
    const updates = new Set<number>();
    let name = '';
    const updateOf = () =>
      builders().find((b) => b.request.table === name && b.request.job.op === 'optimize');
    const sampler = setInterval(() => {
      const b = updateOf();
      if (b !== undefined) updates.add(b.pid);
    }, 10);
    try {
      name = uniqueCollection('builder update backs off');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      await upsertInBatches(f.store, name, clusteredPoints(43, 700));
      await waitIndexed(f.store, name);

      await f.store.upsert(name, clusteredPoints(44, 100, 5_000));
      const killed = await waitFor(updateOf, {
        timeoutMs: 30_000,
        reason: `the index update of ${name}`,
      });
      updates.add(killed.pid);
      process.kill(killed.pid, 'SIGKILL');
      await waitFor(() => errors.length > 0, { timeoutMs: 30_000, reason: 'the failure logged' });
      // Each batch is an update's worth; settling would start due work, and waits for it.
      const later = clusteredPoints(45, 300, 9_000);
      for (let i = 0; i < later.length; i += 100) {
        await f.store.upsert(name, later.slice(i, i + 100));
        await f.store.maintenanceSettled(name);
      }
      assert.deepEqual([...updates], [killed.pid], 'update processes started');
      const c = await f.store.getCollection(name);
      assert.equal(c?.status, 'yellow');
      assert.equal(c?.pointsCount, 1_100);
      for (const p of [later[0]!, later[299]!]) {
        assert.equal((await topIds(f.store, name, p.vector))[0], p.id, `point ${p.id}`);
      }
      assert.equal(errors.length, 1, errors.join('\n'));
    } finally {
      clearInterval(sampler);
      await f.cleanup();
    }
  });

  test('builder process - deleting the collection mid-build ends its builder; the name is usable at once', async () => {
    const errors: string[] = [];
    const f = await openIndexedStore(errors, AT_ONCE);
    try {
      const name = uniqueCollection('builder delete');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      await upsertInBatches(f.store, name, clusteredPoints(35, 700));
      const builder = await builderOf(name);
      // Held, so the delete certainly meets a build in progress.
      process.kill(builder.pid, 'SIGSTOP');
      assert.equal(await f.store.deleteCollection(name), true);
      assert.equal(alive(builder.pid), false, 'the builder process is gone');
      assert.equal(await f.store.getCollection(name), undefined);
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'dot' });
      const [point] = clusteredPoints(36, 1);
      await f.store.upsert(name, [point!]);
      assert.equal((await topIds(f.store, name, point!.vector))[0], point!.id);
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
  });

  test('builder process - closing the store mid-build ends its builder; reopened, the table is whole and the build runs again', async () => {
    const errors: string[] = [];
    const f = await openIndexedStore(errors, AT_ONCE);
    try {
      const name = uniqueCollection('builder close');
      await f.store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
      const points = clusteredPoints(37, 700);
      await upsertInBatches(f.store, name, points);
      const builder = await builderOf(name);
      process.kill(builder.pid, 'SIGSTOP');
      const reopened = await f.reopen();
      assert.equal(alive(builder.pid), false, 'the builder process is gone');
      assert.equal(await reopened.count(name, undefined, true), 700);
      const done = await waitIndexed(reopened, name);
      assert.equal(done.indexedVectorsCount, 700);
      assert.equal((await topIds(reopened, name, points[5]!.vector))[0], points[5]!.id);
      assert.deepEqual(errors, []);
    } finally {
      await f.cleanup();
    }
    assert.deepEqual(builders(), [], 'no builder process outlives the store');
  });

  test('builder process - a builder whose store process died ends without committing', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'embedded-index-orphan-'));
    const script = fileURLToPath(new URL('../helpers/embedded-index-child.ts', import.meta.url));
    const name = uniqueCollection('builder orphan');
    const owner = spawn(process.execPath, ['--import', 'tsx', script, dataDir, name], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const filled = once(owner.stdout, 'data');
    try {
      const builder = await builderOf(name, owner.pid);
      // Held while its store process dies, so it cannot finish first.
      process.kill(builder.pid, 'SIGSTOP');
      await filled;
      owner.kill('SIGKILL');
      await once(owner, 'exit');
      process.kill(builder.pid, 'SIGCONT');
      await waitFor(() => !alive(builder.pid), {
        timeoutMs: 30_000,
        reason: 'the orphaned builder to exit',
      });
      const db = await connect(dataDir);
      const table = await db.openTable(name);
      try {
        assert.equal(await table.countRows(), 700);
        assert.deepEqual(
          (await table.listIndices()).filter((i) => i.name === 'vector_idx'),
          [],
          'the orphaned build was not committed',
        );
      } finally {
        table.close();
        db.close();
      }
    } finally {
      owner.kill('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
