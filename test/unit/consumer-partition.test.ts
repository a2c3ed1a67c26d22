import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  durableName,
  ownsSubject,
  partitionOfTenant,
  type Partition,
} from '../../src/consumer/index.js';
import { subjectFilter } from '../../src/consumer/partition.js';
import { loadConfig } from '../../src/config/index.js';
import { eventSubject } from '../../src/events/index.js';

const tenantArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);

function partitions(count: number): Partition[] {
  return Array.from({ length: count }, (_, index) => ({ index, count }));
}

test('consumer partition - every event subject belongs to exactly one partition', () => {
  fc.assert(
    fc.property(tenantArb, fc.integer({ min: 1, max: 64 }), (tenant, count) => {
      const subject = eventSubject(tenant, 'docs', 'upsert');
      const owners = partitions(count).filter((p) => ownsSubject(p, subject));
      assert.equal(owners.length, 1);
      assert.equal(owners[0]?.index, partitionOfTenant(tenant, count));
      for (const p of partitions(count)) {
        const filter = subjectFilter(p);
        assert.equal(filter(subject), ownsSubject(p, subject), 'the remembering filter agrees');
        assert.equal(filter(subject), ownsSubject(p, subject), 'and agrees when it remembers');
      }
    }),
    { numRuns: 2000 },
  );
});

test('consumer partition - a tenant stays in its partition whatever its table or operation', () => {
  fc.assert(
    fc.property(tenantArb, fc.integer({ min: 2, max: 16 }), (tenant, count) => {
      const owner = partitionOfTenant(tenant, count);
      for (const subject of [
        eventSubject(tenant, 'docs', 'upsert'),
        eventSubject(tenant, 'users', 'search'),
        eventSubject(tenant, '', 'list_collections'),
      ]) {
        assert.ok(ownsSubject({ index: owner, count }, subject), subject);
      }
    }),
  );
});

test('consumer partition - events without a valid tenant, and odd subjects, go to partition 0', () => {
  for (const subject of [eventSubject('', '', 'get_collection'), 'not.an.event', '']) {
    assert.deepEqual(
      partitions(4).map((p) => ownsSubject(p, subject)),
      [true, false, false, false],
      subject,
    );
  }
});

test('consumer partition - 1,000 tenants spread over 8 partitions within 25% of even', () => {
  const counts = new Array<number>(8).fill(0);
  for (let i = 0; i < 1000; i += 1) {
    const p = partitionOfTenant(`tenant-${i}`, 8);
    counts[p] = (counts[p] ?? 0) + 1;
  }
  for (const n of counts) assert.ok(n > 125 * 0.75 && n < 125 * 1.25, `counts ${counts.join()}`);
});

test('consumer partition - durable names: the plain name alone, a suffix per partition otherwise', () => {
  assert.equal(durableName('metrics', { index: 0, count: 1 }), 'metrics');
  assert.equal(durableName('metrics', { index: 2, count: 3 }), 'metrics-p2-of-3');
  assert.notEqual(
    durableName('metrics', { index: 0, count: 2 }),
    durableName('metrics', { index: 0, count: 3 }),
    'a new partition count never reuses a checkpoint',
  );
});

test('consumer partition - config refuses a partition index outside the count', () => {
  assert.throws(
    () => loadConfig({ VECTORADMIN_CONSUMER_PARTITIONS: '3', VECTORADMIN_CONSUMER_PARTITION: '3' }),
    /VECTORADMIN_CONSUMER_PARTITION: must be below VECTORADMIN_CONSUMER_PARTITIONS \(3\)/,
  );
  const config = loadConfig({
    VECTORADMIN_CONSUMER_PARTITIONS: '3',
    VECTORADMIN_CONSUMER_PARTITION: '2',
  });
  assert.deepEqual(config.consumer.partition, { index: 2, count: 3 });
});
