import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CollectionNaming,
  VectorAdminError,
  configConflicts,
  resolveCollectionConfig,
  validateBatch,
} from '../../src/domain/index.js';
import {
  ORIGINAL_ID_KEY,
  TENANT_KEY,
  assertNoReservedFilterKeys,
  sharedPointId,
  tenantFilter,
  toSharedPoint,
} from '../../src/domain/shared-points.js';
import { RECORD_ID_KEY, callerPoint } from '../../src/domain/caller-points.js';

const tenantArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const tableArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
const prefixArb = fc.stringMatching(/^[a-z0-9_-]{0,8}$/);
const idArb = fc.oneof(
  fc.nat(),
  fc.uuid().map((u) => u.toLowerCase()),
);
const LIMITS = { maxPoints: 10, maxPayloadBytes: 1024 };

function invalidFields(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof VectorAdminError && err.code === 'invalid_argument');
    return err.violations.map((v) => v.field);
  }
  return assert.fail('expected invalid_argument');
}

test('shared tenancy naming - shared and registry names never equal a tenant collection and parse skips them', () => {
  fc.assert(
    fc.property(prefixArb, tenantArb, tableArb, tableArb, (prefix, tenant, table, other) => {
      const naming = new CollectionNaming(prefix);
      const own = naming.ref(tenant, table).name;
      assert.notEqual(naming.sharedName(other), own);
      assert.notEqual(naming.registryName, own);
      assert.notEqual(naming.sharedName(other), naming.registryName);
      assert.equal(naming.parse(naming.sharedName(other)), undefined);
      assert.equal(naming.parse(naming.registryName), undefined);
      assert.ok(!naming.sharedName(other).startsWith(naming.tenantPrefix(tenant)));
    }),
    { numRuns: 1000 },
  );
  assert.equal(new CollectionNaming('client_').sharedName('docs'), 'client__shared_docs');
});

test('shared tenancy ids - equal ids of two tenants never meet, and one tenant keeps ids apart', () => {
  fc.assert(
    fc.property(tenantArb, tenantArb, idArb, idArb, (a, b, x, y) => {
      fc.pre(a !== b);
      assert.notEqual(sharedPointId(a, x), sharedPointId(b, x));
      assert.equal(sharedPointId(a, x), sharedPointId(a, x));
      if (x !== y) assert.notEqual(sharedPointId(a, x), sharedPointId(a, y));
    }),
    { numRuns: 1000 },
  );
});

test('shared tenancy points - stored form carries tenant and id, and a hit maps back clean', () => {
  const vector = Float32Array.of(1, 2);
  const stored = toSharedPoint('acme', { id: 7, vector, payload: { kind: 'a' } });
  assert.equal(stored.id, sharedPointId('acme', 7));
  assert.deepEqual(stored.payload, { kind: 'a', [TENANT_KEY]: 'acme', [ORIGINAL_ID_KEY]: 7 });
  assert.deepEqual(callerPoint(stored.id, stored.payload, true), { id: 7, payload: { kind: 'a' } });
  assert.throws(
    () => callerPoint(stored.id, {}, true),
    (e) => e instanceof VectorAdminError && e.code === 'internal',
  );
});

test('caller ids - a point written by record id answers with the record id, on every table', () => {
  const [written] = okPoints(
    validateBatch('acme', 'items', [recordInput('WI-0', { kind: 'a' })], 2, LIMITS),
  );
  assert.deepEqual(written?.payload, { kind: 'a', [RECORD_ID_KEY]: 'WI-0' });
  assert.deepEqual(callerPoint(written.id, written.payload, false), {
    id: { recordId: 'WI-0' },
    payload: { kind: 'a' },
  });
  const shared = toSharedPoint('acme', written);
  assert.deepEqual(callerPoint(shared.id, shared.payload, true), {
    id: { recordId: 'WI-0' },
    payload: { kind: 'a' },
  });
  // Numbers and UUIDs come back as they were, with nothing added to their payload.
  const [numbered] = okPoints(
    validateBatch(
      'acme',
      'items',
      [{ ...recordInput('x', {}), id: { kind: 'num', value: 5n } }],
      2,
      LIMITS,
    ),
  );
  assert.deepEqual(numbered?.payload, {});
  assert.deepEqual(callerPoint(numbered.id, numbered.payload, false), { id: 5, payload: {} });
});

function recordInput(recordId: string, payload: Record<string, unknown>) {
  return {
    id: { kind: 'record' as const, value: recordId },
    vector: Float32Array.of(1, 2),
    payload,
  };
}

function okPoints(result: ReturnType<typeof validateBatch>) {
  assert.ok(result.ok, 'batch accepted');
  return result.points;
}

test('shared tenancy filters - the tenant condition joins must and keeps should and must_not', () => {
  const own = { key: TENANT_KEY, match: 'acme' };
  assert.deepEqual(tenantFilter('acme'), { must: [own], should: [], mustNot: [] });
  const user = {
    must: [{ key: 'a', match: 1 }],
    should: [{ key: 'b', match: true }],
    mustNot: [{ key: 'c', range: { gt: 2 } }],
  };
  assert.deepEqual(tenantFilter('acme', user), { ...user, must: [own, ...user.must] });
});

test('shared tenancy reserved keys - payloads and filters may not use _va_ keys, named per field', () => {
  const batch = validateBatch(
    'acme',
    'docs',
    [
      { id: { kind: 'num', value: 1n }, vector: Float32Array.of(1), payload: { ok: 1 } },
      { id: { kind: 'num', value: 2n }, vector: Float32Array.of(1), payload: { _va_tenant: 'x' } },
    ],
    1,
    LIMITS,
  );
  assert.equal(batch.ok, false);
  assert.deepEqual(!batch.ok && batch.errors.map((e) => e.field), ['points[1].payload._va_tenant']);
  const filter = {
    must: [{ key: 'fine', match: 1 }],
    should: [{ key: '_va_id', match: 1 }],
    mustNot: [{ key: '_va_tenant', match: 'x' }],
  };
  assert.deepEqual(
    invalidFields(() => assertNoReservedFilterKeys(filter)),
    ['filter.should[0].key', 'filter.must_not[0].key'],
  );
  assertNoReservedFilterKeys({ must: [{ key: 'meta._va_x', match: 1 }], should: [], mustNot: [] });
});

test('shared tenancy config - tenancy is no store setting, and a different one is a conflict', () => {
  const defaults = { vectorSize: 4, distance: 'cosine', maxVectorSize: 16 } as const;
  const config = resolveCollectionConfig({ vectorSize: 2, tenancy: 'shared_collection' }, defaults);
  assert.deepEqual(config, { vectorSize: 2, distance: 'cosine' });
  const existing = { ...config, tenancy: 'shared_collection' } as const;
  assert.deepEqual(configConflicts(existing, { tenancy: 'shared_collection' }), []);
  assert.deepEqual(configConflicts(existing, {}), []);
  assert.deepEqual(configConflicts(existing, { tenancy: 'collection_per_tenant' }), ['tenancy']);

  // A store reports effective settings: Qdrant fills in every HNSW parameter and on_disk.
  const effective = {
    vectorSize: 8,
    distance: existing.distance,
    hnsw: { m: 32, efConstruct: 100, fullScanThreshold: 10_000, onDisk: false },
  };
  assert.deepEqual(configConflicts(effective, { hnsw: { m: 32 } }), []);
  assert.deepEqual(configConflicts(effective, { hnsw: { m: 32, onDisk: false } }), []);
  assert.deepEqual(configConflicts(effective, { onDisk: false }), [], 'unset means false');
  assert.deepEqual(configConflicts(effective, { hnsw: { m: 16, efConstruct: 100 } }), ['hnsw.m']);
  assert.deepEqual(configConflicts(effective, { onDisk: true }), ['on_disk']);
});
