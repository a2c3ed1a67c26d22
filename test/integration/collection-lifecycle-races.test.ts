import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { CollectionNaming, CollectionService, hasErrorCode } from '../../src/domain/index.js';
import { toSharedPoint } from '../../src/domain/shared-points.js';
import { Tenancy } from '../../src/domain/types.js';
import { silentLogger } from '../../src/logging/index.js';
import { createEmbeddedVectorStore } from '../../src/stores/index.js';
import { waitFor } from '../helpers/wait-for.js';
import { operatorRef } from '../helpers/operator-ref.js';

const DEFAULTS = { vectorSize: 3, distance: 'cosine', maxVectorSize: 16 } as const;

async function withService(
  run: (
    service: CollectionService,
    store: Awaited<ReturnType<typeof createEmbeddedVectorStore>>,
  ) => Promise<void>,
): Promise<void> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-lifecycle-'));
  const store = await createEmbeddedVectorStore({ dataDir, logger: silentLogger });
  try {
    await run(new CollectionService(store, new CollectionNaming('client_'), DEFAULTS), store);
  } finally {
    await store.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

test('collection lifecycle - creates of both tenancies at once: one wins, the other is told it exists', async () => {
  await withService(async (service) => {
    const outcomes = await Promise.allSettled([
      service.create(operatorRef(service, 'acme', 'docs'), {}),
      service.create(operatorRef(service, 'acme', 'docs'), { tenancy: Tenancy.SharedCollection }),
    ]);
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
    const refused = outcomes.find((o) => o.status === 'rejected');
    assert.ok(hasErrorCode(refused?.reason, 'already_exists'), String(refused?.reason));
    assert.deepEqual(
      (await service.list('acme')).map((c) => c.ref.table),
      ['docs'],
      'listed once',
    );
  });
});

test('collection lifecycle - a shared table joined again starts empty, whatever a late write left', async () => {
  await withService(async (service, store) => {
    const shared = { tenancy: Tenancy.SharedCollection };
    const first = await service.create(operatorRef(service, 'acme', 'docs'), shared);
    // Another member keeps the physical collection (the last one to leave drops it).
    await service.create(operatorRef(service, 'bystander', 'docs'), shared);
    assert.equal(await service.delete(operatorRef(service, 'acme', 'docs')), true);
    // A write admitted before the delete that landed after it: points of a tenant no longer
    // a member, in the physical collection.
    await store.upsert(first.ref.name, [
      toSharedPoint('acme', { id: 1, vector: Float32Array.of(1, 0, 0), payload: {} }),
    ]);
    const again = await service.create(operatorRef(service, 'acme', 'docs'), shared);
    assert.equal(again.pointsCount, 0);
    assert.equal((await service.get(operatorRef(service, 'acme', 'docs'))).pointsCount, 0);
  });
});

test('collection lifecycle - a placement cached by one replica follows what another replica changed', async () => {
  await withService(async (replicaB, store) => {
    const replicaA = new CollectionService(store, new CollectionNaming('client_'), DEFAULTS, {
      placementTtlMs: 50,
    });
    const ref = operatorRef(replicaA, 'acme', 'docs');
    await replicaA.create(operatorRef(replicaA, 'acme', 'docs'), { vectorSize: 3 });
    assert.equal((await replicaA.placementForWrite(ref, undefined)).config.vectorSize, 3);
    // The other replica deletes the table and makes it again with another vector size.
    await replicaB.delete(operatorRef(replicaB, 'acme', 'docs'));
    await replicaB.create(operatorRef(replicaB, 'acme', 'docs'), { vectorSize: 4 });
    // Replica A's cached placement lives 50 ms; it follows once that has passed.
    await waitFor(
      async () => (await replicaA.placementForWrite(ref, undefined)).config.vectorSize === 4,
      { timeoutMs: 5000, reason: "replica A's cached placement to follow the new table" },
    );
    assert.equal((await replicaA.placementForWrite(ref, undefined)).config.vectorSize, 4);
  });
});
