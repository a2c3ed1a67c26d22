import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import type { RunPerformanceTestResponse } from '../../src/gen/vectoradmin/v1/probe.js';
import { QdrantSpecPeer } from '../helpers/qdrant-spec-peer.js';
import { startTestStack, tenantKey, uniqueName } from '../helpers/vector-admin-stack.js';

const STEPS = ['ensure_collection', 'upsert', 'search_known_neighbour', 'count_exact', 'cleanup'];
const POINTS = 240;

function probeEnv(tenant: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    PERFORMANCE_TEST_TENANT_ID: tenant,
    PERFORMANCE_TEST_POINTS: String(POINTS),
    PERFORMANCE_TEST_VECTOR_SIZE: '32',
    ...extra,
  };
}

// The run for an assertion message (its counts are bigints).
function shown(run: RunPerformanceTestResponse): string {
  return JSON.stringify(run.results, (_key, value: unknown) =>
    typeof value === 'bigint' ? value.toString() : value,
  );
}

function step(run: RunPerformanceTestResponse, name: string) {
  const found = run.results.find((r) => r.testName === name);
  assert.ok(found, `step ${name} in ${JSON.stringify(run.results.map((r) => r.testName))}`);
  return found;
}

describe('performance probe', () => {
  test('performance probe - on demand: every step of the plan shape with real figures, admin key only', async () => {
    const probeTenant = uniqueName('probe');
    const other = uniqueName('other');
    await using stack = await startTestStack({
      tenants: [probeTenant, other],
      env: probeEnv(probeTenant),
    });
    const run = await stack.api().runPerformanceTest();
    assert.equal(run.success, true, shown(run));
    assert.equal(run.tenantId, probeTenant);
    assert.equal(run.collection, `client_${probeTenant}_performance_probe`);
    assert.deepEqual(
      run.results.map((r) => r.testName),
      STEPS,
    );
    for (const r of run.results) {
      assert.equal(r.success, true, r.testName);
      assert.deepEqual(r.errors, [], r.testName);
      assert.ok(r.duration > 0, `${r.testName} took a measured time`);
    }
    const upsert = step(run, 'upsert');
    assert.equal(upsert.vectorsCreated, BigInt(POINTS));
    assert.equal(upsert.recordsProcessed, BigInt(POINTS));
    assert.ok((upsert.metrics['vectors_per_s'] ?? 0) > 0, 'a write rate');
    const search = step(run, 'search_known_neighbour');
    assert.equal(search.recordsProcessed, 10n);
    assert.ok((search.metrics['lowest_top_score'] ?? 0) > 0.999, 'each query found itself');
    assert.ok((search.metrics['max_ms'] ?? 0) >= (search.metrics['mean_ms'] ?? 0));
    assert.equal(step(run, 'count_exact').recordsProcessed, BigInt(POINTS));
    assert.equal(step(run, 'cleanup').metrics['deleted'], 1);
    const stepsTotal = run.results.reduce((sum, r) => sum + r.duration, 0);
    assert.ok(run.duration >= stepsTotal, 'the run spans its steps');

    const listed = await stack.api().listCollections({ tenantId: probeTenant });
    assert.deepEqual(listed.collections, [], 'the probe cleaned up');
    for (const tenant of [probeTenant, other]) {
      await assert.rejects(
        stack.api(tenantKey(tenant)).runPerformanceTest(),
        (err: ServiceError) => err.code === status.PERMISSION_DENIED,
        `a tenant key (${tenant === probeTenant ? "the probe tenant's" : 'another'})`,
      );
    }
  });

  test('performance probe - without PERFORMANCE_TEST_TENANT_ID: FAILED_PRECONDITION naming it', async () => {
    await using stack = await startTestStack({ tenants: [uniqueName('none')] });
    await assert.rejects(stack.api().runPerformanceTest(), (err: ServiceError) => {
      assert.equal(err.code, status.FAILED_PRECONDITION);
      assert.match(err.details, /the service's PERFORMANCE_TEST_TENANT_ID is not set/);
      assert.match(err.details, /set it where the service starts .* and restart the service/);
      return true;
    });
  });

  test('performance probe - a broken store fails the run visibly; a left-over collection stays invisible to other tenants and the next run starts from empty', async () => {
    const probeTenant = uniqueName('probe-fault');
    const other = uniqueName('other');
    await using peer = await QdrantSpecPeer.start();
    await using stack = await startTestStack({
      tenants: [probeTenant, other],
      env: probeEnv(probeTenant, {
        VECTORADMIN_STORE: 'qdrant',
        QDRANT_URL: peer.url,
        QDRANT_TIMEOUT: '5',
      }),
    });
    // The store drops the first search and the clean-up's delete: the run fails at the search
    // and leaves its collection behind.
    peer.inject('query_points', { kind: 'reset' });
    peer.inject('delete_collection', { kind: 'reset' });
    const failed = await stack.api().runPerformanceTest();
    assert.equal(failed.success, false);
    assert.deepEqual(
      failed.results.map((r) => [r.testName, r.success]),
      [
        ['ensure_collection', true],
        ['upsert', true],
        ['search_known_neighbour', false],
        ['cleanup', false],
      ],
    );
    assert.match(step(failed, 'search_known_neighbour').errors.join(), /^UNAVAILABLE: /);
    assert.match(step(failed, 'cleanup').errors.join(), /^UNAVAILABLE: /);

    const name = `client_${probeTenant}_performance_probe`;
    assert.equal(peer.state.collections.get(name)?.points.size, POINTS, 'left behind');
    const own = await stack.api().listCollections({ tenantId: probeTenant });
    assert.deepEqual(
      own.collections.map((c) => c.name),
      [name],
    );
    const others = await stack.api(tenantKey(other)).listCollections({ tenantId: '' });
    assert.deepEqual(others.collections, [], "another tenant's listing");

    const healed = await stack.api().runPerformanceTest();
    assert.equal(healed.success, true, shown(healed));
    assert.equal(step(healed, 'ensure_collection').metrics['left_over'], 1);
    assert.equal(step(healed, 'count_exact').recordsProcessed, BigInt(POINTS), 'exact, not more');
    assert.equal(peer.state.collections.has(name), false, 'cleaned up');
    assert.deepEqual(peer.violations, [], 'every request and answer kept to the OpenAPI spec');
  });

  test('performance probe - a store that hangs: the run answers failed at PERFORMANCE_TEST_TIMEOUT_MS and cleans up after', async () => {
    const probeTenant = uniqueName('probe-hang');
    await using peer = await QdrantSpecPeer.start();
    await using stack = await startTestStack({
      tenants: [probeTenant],
      env: probeEnv(probeTenant, {
        VECTORADMIN_STORE: 'qdrant',
        QDRANT_URL: peer.url,
        QDRANT_TIMEOUT: '4',
        PERFORMANCE_TEST_TIMEOUT_MS: '2000',
      }),
    });
    peer.inject('query_points', { kind: 'hang' });
    const run = await stack.api().runPerformanceTest();
    assert.equal(run.success, false);
    const last = run.results.at(-1);
    assert.equal(last?.testName, 'search_known_neighbour');
    assert.match(last?.errors.join() ?? '', /PERFORMANCE_TEST_TIMEOUT_MS/);
    assert.equal(
      run.results.some((r) => r.testName === 'cleanup'),
      false,
      'the answer does not wait for the clean-up',
    );
    // The next run waits for this one's clean-up, so it starts from an empty collection.
    const next = await stack.api().runPerformanceTest();
    assert.equal(next.success, true, shown(next));
    assert.equal(step(next, 'ensure_collection').metrics['left_over'], 0);
  });
});
