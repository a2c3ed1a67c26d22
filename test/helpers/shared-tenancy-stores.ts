import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TENANT_KEY } from '../../src/domain/shared-points.js';
import { QdrantSpecPeer, type RecordedRequest } from './qdrant-spec-peer.js';
import { startTestStack, type TestStack } from './vector-admin-stack.js';

/** A store kind the shared-tenancy suites run against, behind the real gRPC service. */
export interface StoreUnderTest extends AsyncDisposable {
  readonly kind: 'embedded' | 'qdrant';
  /** The Qdrant spec peer (qdrant only): every request is checked against Qdrant's spec. */
  readonly peer: QdrantSpecPeer | undefined;
  /**
   * Starts a service on this store, with `extraEnv` (e.g. a table profile file); a second
   * start after `stop` sees the same data (restart).
   */
  start(tenants: readonly string[], extraEnv?: Record<string, string>): Promise<TestStack>;
}

/** The stores to run against: embedded LanceDB, and Qdrant played by the spec peer. */
export const STORE_KINDS = ['embedded', 'qdrant'] as const;

/** A store for one suite; disposing it removes its data and, for Qdrant, checks the spec. */
export async function storeUnderTest(kind: StoreUnderTest['kind']): Promise<StoreUnderTest> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-shared-'));
  const peer = kind === 'qdrant' ? await QdrantSpecPeer.start() : undefined;
  const env: Record<string, string> =
    peer === undefined ? {} : { VECTORADMIN_STORE: 'qdrant', QDRANT_URL: peer.url };
  return {
    kind,
    peer,
    start: (tenants, extraEnv = {}) =>
      startTestStack({ tenants, dataDir, env: { ...env, ...extraEnv } }),
    [Symbol.asyncDispose]: async () => {
      await peer?.close();
      await rm(dataDir, { recursive: true, force: true });
      if (peer !== undefined) assertSpecAndConfinement(peer);
    },
  };
}

/**
 * Every request fit Qdrant's spec, writes waited, the shared collections got their `is_tenant`
 * index, and every read or filtered delete of a shared collection named one tenant.
 */
function assertSpecAndConfinement(peer: QdrantSpecPeer): void {
  assert.deepEqual(peer.violations, [], 'every request and answer fits the Qdrant spec');
  const shared = (r: { path: string }) => r.path.includes('/collections/client__shared_');
  const writes = ['upsert_points', 'delete_points', 'create_field_index'];
  for (const r of peer.requests.filter((r) => writes.includes(r.operationId ?? ''))) {
    assert.equal(r.query.get('wait'), 'true', `${r.operationId} waits until applied`);
  }
  const creates = peer.requestsFor('create_collection').filter(shared);
  const indexes = peer.requestsFor('create_field_index').filter(shared);
  assert.ok(creates.length > 0, 'a shared collection was created');
  assert.deepEqual(
    [...new Set(indexes.map((r) => r.path))].sort(),
    // A create that finds the collection taken indexes it again (Qdrant accepts a repeat).
    [...new Set(creates.map((r) => `${r.path}/index`))].sort(),
    'each shared collection got its tenant index, and only shared collections did',
  );
  for (const r of indexes) {
    assert.deepEqual(r.body, {
      field_name: TENANT_KEY,
      field_schema: { type: 'keyword', is_tenant: true },
    });
  }
  let previous: RecordedRequest | undefined;
  for (const r of peer.requests.filter(shared)) {
    const body = r.body as Record<string, unknown> | undefined;
    // Describing the collection (config, once per process) counts all points; no tenant sees it.
    const describing = previous?.operationId === 'get_collection' && body?.filter === undefined;
    if (r.operationId === 'query_points' || (r.operationId === 'count_points' && !describing)) {
      assert.ok(namesOneTenant(body?.filter), `${r.operationId} names a tenant`);
    } else if (r.operationId === 'delete_points' && body?.points === undefined) {
      const filter = body?.filter as { should?: unknown[] } | undefined;
      // Ids and a filter go as `should: [has_id, filter]`; the ids are tenant-derived.
      const confined = namesOneTenant(filter) || namesOneTenant(filter?.should?.[1]);
      assert.ok(confined, 'a filtered delete names a tenant');
    }
    previous = r;
  }
}

function namesOneTenant(filter: unknown): boolean {
  const must = (filter as { must?: unknown[] } | undefined)?.must ?? [];
  return must.some((c) => {
    const condition = c as { key?: string; match?: { value?: unknown } };
    return condition.key === TENANT_KEY && typeof condition.match?.value === 'string';
  });
}
