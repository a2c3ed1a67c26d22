import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ServiceError } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { Distance, Tenancy } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';

const shared = (vectorSize: number) => ({
  vectorSize,
  distance: Distance.DISTANCE_COSINE,
  tenancy: Tenancy.TENANCY_SHARED_COLLECTION,
});

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => assert.fail('expected a refusal'),
    (err: ServiceError) => err,
  );

test('shared tables - a tenant key cannot set one up, and its refusal says nothing of other tenants', async () => {
  const [alpha, gamma] = [uniqueName('alpha'), uniqueName('gamma')];
  await using stack = await startTestStack({ tenants: [alpha, gamma] });
  const table = uniqueTable('squat');
  // Issue 17's probe: alpha picks size 7, then gamma's size 4 learnt "a different vector_size".
  const first = await refusal(
    stack.api(tenantKey(alpha)).ensureCollection({ tenantId: '', table, config: shared(7) }),
  );
  assert.equal(first.code, status.FAILED_PRECONDITION);
  const second = await refusal(
    stack.api(tenantKey(gamma)).ensureCollection({ tenantId: '', table, config: shared(4) }),
  );
  assert.equal(second.code, status.FAILED_PRECONDITION);
  assert.equal(second.details, first.details, 'one neutral message');

  // The operator sets the table up (acting for alpha); gamma's conflicting request gets the
  // same words, naming no size; gamma joins with its config unset.
  await stack.api().ensureCollection({ tenantId: alpha, table, config: shared(7) });
  const conflicting = await refusal(
    stack.api(tenantKey(gamma)).ensureCollection({ tenantId: '', table, config: shared(4) }),
  );
  assert.equal(conflicting.code, status.FAILED_PRECONDITION);
  assert.equal(conflicting.details, first.details);
  assert.doesNotMatch(conflicting.details, /vector_size|different|\b7\b/);
  const joined = await stack.api(tenantKey(gamma)).ensureCollection({
    tenantId: '',
    table,
    config: { vectorSize: 0, distance: 0, tenancy: Tenancy.TENANCY_SHARED_COLLECTION },
  });
  assert.equal(joined.collection?.config?.vectorSize, 7);
});

test('shared tables - the physical collection goes with its last member, so a later setup is free', async () => {
  const [alpha, gamma] = [uniqueName('alpha'), uniqueName('gamma')];
  await using stack = await startTestStack({ tenants: [alpha, gamma] });
  const table = uniqueTable('gone');
  const admin = stack.api();
  await admin.ensureCollection({ tenantId: alpha, table, config: shared(7) });
  await admin.ensureCollection({ tenantId: gamma, table, config: shared(7) });
  assert.equal(
    (await stack.api(tenantKey(alpha)).deleteCollection({ tenantId: '', table })).deleted,
    true,
  );
  // gamma still a member: the collection stays.
  assert.ok(await stack.service.store.getCollection(`client__shared_${table}`));
  await stack.api(tenantKey(gamma)).deleteCollection({ tenantId: '', table });
  assert.equal(await stack.service.store.getCollection(`client__shared_${table}`), undefined);
  // The size 7 decided nothing for good: the table can be set up with size 4.
  const again = await admin.ensureCollection({ tenantId: gamma, table, config: shared(4) });
  assert.equal(again.collection?.config?.vectorSize, 4);
});
