import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { plainId, wireId, wireVector, type VectorAdminApi } from '../../src/client/index.js';
import { Distance, Tenancy, type PointId } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import {
  STORE_KINDS,
  storeUnderTest,
  type StoreUnderTest,
} from '../helpers/shared-tenancy-stores.js';
import {
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const DIM = 3;
// Numeric and record ids, the same for both tenants, so every write aims at the other's ids too.
const IDS: readonly (number | string)[] = [1, 2, 3, 'x', 'y'];
const QUERY = Float32Array.of(0.5, -0.5, 0.25);

interface Stored {
  readonly vector: number[];
  readonly payload: { parity: string; write: number };
}
type Model = Map<string, Stored>[];

const vectorArb = fc.array(fc.integer({ min: -4, max: 4 }), { minLength: DIM, maxLength: DIM });
const commandArb = fc.oneof(
  fc.record({
    op: fc.constant('upsert' as const),
    tenant: fc.nat(1),
    points: fc.uniqueArray(
      fc.record({ id: fc.constantFrom(...IDS), vector: vectorArb, even: fc.boolean() }),
      { minLength: 1, maxLength: 4, selector: (p) => p.id },
    ),
  }),
  fc.record({
    op: fc.constant('deleteIds' as const),
    tenant: fc.nat(1),
    ids: fc.uniqueArray(fc.constantFrom(...IDS), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ op: fc.constant('deleteFilter' as const), tenant: fc.nat(1), even: fc.boolean() }),
);
type Command = typeof commandArb extends fc.Arbitrary<infer C> ? C : never;

const wire = (id: number | string): PointId =>
  typeof id === 'number' ? wireId(id) : wireId({ recordId: id });
const parityIs = (even: boolean) => ({
  must: [
    {
      key: 'parity',
      condition: {
        $case: 'match' as const,
        value: { value: { $case: 'keyword' as const, value: even ? 'even' : 'odd' } },
      },
    },
  ],
  should: [],
  mustNot: [],
});

for (const kind of STORE_KINDS) {
  describe(`shared tenancy model on ${kind}`, () => {
    const tenants = [uniqueName('ma'), uniqueName('mb')];
    let store: StoreUnderTest;
    let stack: TestStack;
    before(async () => {
      store = await storeUnderTest(kind);
      stack = await store.start(tenants);
    });
    after(async () => {
      await stack.stop();
      await store[Symbol.asyncDispose]();
    });

    test(`shared tenancy model (${kind}) - each tenant's count and search equal a model of its own writes`, async () => {
      const apis = tenants.map((t) => stack.api(tenantKey(t)));
      let writes = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(commandArb, { minLength: 1, maxLength: 8 }), async (commands) => {
          const table = uniqueTable('model');
          const config = {
            vectorSize: DIM,
            distance: Distance.DISTANCE_EUCLID,
            tenancy: Tenancy.TENANCY_SHARED_COLLECTION,
          };
          // The operator (admin key) sets the shared table up; the tenants join it.
          await stack.api().ensureCollection({ tenantId: 'operator', table, config });
          for (const api of apis) await api.createCollection({ tenantId: '', table, config });
          const model: Model = tenants.map(() => new Map());
          for (const command of commands) {
            await apply(apis[command.tenant]!, table, command, model[command.tenant]!, ++writes);
            for (let t = 0; t < tenants.length; t++)
              await check(apis[t]!, tenants[t]!, table, model[t]!);
          }
        }),
        { numRuns: 12, seed: 8 },
      );
    });
  });
}

async function apply(
  api: VectorAdminApi,
  table: string,
  command: Command,
  own: Map<string, Stored>,
  write: number,
) {
  if (command.op === 'upsert') {
    const points = command.points.map((p) => ({
      id: wire(p.id),
      vector: wireVector(Float32Array.from(p.vector)),
      payload: { parity: p.even ? 'even' : 'odd', write },
    }));
    await api.upsert({ tenantId: '', table, seq: 1n, points, autoCreate: undefined });
    for (const [i, p] of command.points.entries())
      own.set(String(p.id), { vector: p.vector, payload: points[i]!.payload });
  } else if (command.op === 'deleteIds') {
    await api.deletePoints({ tenantId: '', table, ids: command.ids.map(wire), filter: undefined });
    for (const id of command.ids) own.delete(String(id));
  } else {
    await api.deletePoints({ tenantId: '', table, ids: [], filter: parityIs(command.even) });
    const parity = command.even ? 'even' : 'odd';
    for (const [id, p] of own) if (p.payload.parity === parity) own.delete(id);
  }
}

async function check(api: VectorAdminApi, tenant: string, table: string, own: Map<string, Stored>) {
  const { count } = await api.count({ tenantId: '', table, filter: undefined, exact: true });
  assert.equal(Number(count), own.size, `${tenant} counts its own points`);
  const even = await api.count({ tenantId: '', table, filter: parityIs(true), exact: true });
  assert.equal(
    Number(even.count),
    [...own.values()].filter((p) => p.payload.parity === 'even').length,
  );
  const { points } = await api.search({
    tenantId: '',
    table,
    vector: wireVector(QUERY),
    limit: 50,
    filter: undefined,
    withPayload: true,
  });
  // Ids come back as written: numbers as numbers, record ids as themselves.
  const expected = new Map([...own].map(([id, p]) => [id, p]));
  assert.deepEqual(
    new Set(points.map((p) => String(plainId(p.id)))),
    new Set(expected.keys()),
    `${tenant} finds exactly its own ids`,
  );
  for (const hit of points) {
    const want = expected.get(String(plainId(hit.id)))!;
    assert.deepEqual(hit.payload, want.payload);
    const distance = Math.hypot(...want.vector.map((x, i) => x - QUERY[i]!));
    assert.ok(Math.abs(hit.score - distance) < 1e-4, `${tenant}'s vector is its own`);
  }
}
