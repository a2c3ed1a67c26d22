import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CollectionNaming, VectorAdminError } from '../../src/domain/index.js';

const naming = new CollectionNaming('client_');
const tenantArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);
const tableArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);

test('naming - physical name is client_{tenant}_{table}', () => {
  assert.equal(naming.ref('acme', 'work_items').name, 'client_acme_work_items');
});

test('naming - the mapping is injective: different pairs never share a name', () => {
  fc.assert(
    fc.property(tenantArb, tableArb, tenantArb, tableArb, (t1, a1, t2, a2) => {
      fc.pre(t1 !== t2 || a1 !== a2);
      assert.notEqual(naming.ref(t1, a1).name, naming.ref(t2, a2).name);
    }),
    { numRuns: 2000 },
  );
});

test('naming - parse inverts ref', () => {
  fc.assert(
    fc.property(tenantArb, tableArb, (tenantId, table) => {
      assert.deepEqual(naming.parse(naming.ref(tenantId, table).name), {
        tenantId,
        table,
        name: naming.ref(tenantId, table).name,
      });
    }),
  );
});

test('naming - a tenant with an underscore cannot exist, so 1_a + b never meets 1 + a_b', () => {
  assert.throws(
    () => naming.ref('1_a', 'b'),
    (e) => e instanceof VectorAdminError && e.code === 'invalid_argument',
  );
  assert.equal(naming.ref('1', 'a_b').name, 'client_1_a_b');
});

test('naming - invalid tenants and tables are refused with the field named', () => {
  for (const [tenant, table, field] of [
    ['', 'ok', 'tenant_id'],
    ['UPPER', 'ok', 'tenant_id'],
    ['a.b', 'ok', 'tenant_id'],
    ['-lead', 'ok', 'tenant_id'],
    ['ok', '', 'table'],
    ['ok', '_x', 'table'],
    ['ok', 'x'.repeat(64), 'table'],
    ['ok', 'a>b', 'table'],
  ] as const) {
    assert.throws(
      () => naming.ref(tenant, table),
      (e) =>
        e instanceof VectorAdminError &&
        e.code === 'invalid_argument' &&
        e.violations[0]?.field === field,
      `${tenant}/${table}`,
    );
  }
});

test('naming - tenant prefix matches only that tenant', () => {
  fc.assert(
    fc.property(tenantArb, tenantArb, tableArb, (t1, t2, table) => {
      fc.pre(t1 !== t2);
      assert.equal(naming.ref(t2, table).name.startsWith(naming.tenantPrefix(t1)), false);
    }),
  );
});
