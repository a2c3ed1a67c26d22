import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { plainId, wireId, wireVector, type VectorAdminApi } from '../../src/client/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { reportReliability } from '../helpers/fault-report.js';
import {
  filterArb,
  type FuzzFilter,
  type ModelPayload,
} from '../helpers/fuzz-filter-arbitraries.js';
import { outcome, type Outcome } from '../helpers/fuzz-grpc.js';
import { idArb, vectorArb } from '../helpers/fuzz-point-arbitraries.js';
import { randomVector, seededRandom } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const DIM = 4;
const POINTS = 40;
const MAX_SEARCH_LIMIT = 1000;
const payloadOf = (n: number): ModelPayload => ({
  n,
  tag: n % 3 === 0 ? 'a' : 'b',
  flag: n % 2 === 0,
});

/** Refused with INVALID_ARGUMENT, naming only real problems; or OK when there are none. */
function checkVerdict(got: Outcome, problems: readonly string[]): boolean {
  if (problems.length === 0) {
    assert.equal(got.code, status.OK, got.details);
    return true;
  }
  assert.equal(
    got.code,
    status.INVALID_ARGUMENT,
    `expected one of ${problems.join(', ')}: ${got.details}`,
  );
  assert.ok(got.fields.length > 0, 'the refusal names a field');
  for (const field of got.fields)
    assert.ok(problems.includes(field), `${field} is one of ${problems.join(', ')}`);
  return false;
}

describe('fuzz queries', () => {
  const tenant = uniqueName('fuzz-queries');
  const table = uniqueTable('queries');
  let stack: TestStack;
  let api: VectorAdminApi;
  const stored = new Map<number, ModelPayload>();
  const refill = async () => {
    const random = seededRandom(stored.size + 1);
    const points: pb.Point[] = [];
    for (let n = 0; n < POINTS; n++) {
      points.push({
        id: wireId(n),
        vector: wireVector(randomVector(random, DIM)),
        payload: { ...payloadOf(n) },
      });
      stored.set(n, payloadOf(n));
    }
    await api.upsert({ tenantId: '', table, seq: 1n, points, autoCreate: undefined });
  };
  before(async () => {
    stack = await startTestStack({ tenants: [tenant] });
    api = stack.api(tenantKey(tenant));
    await api.createCollection({
      tenantId: '',
      table,
      config: { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 },
    });
    await refill();
  });
  after(async () => {
    await stack[Symbol.asyncDispose]();
  });

  test('fuzz queries - search, count and delete with any vector, limit, ids and filter: named refusals, exact answers, no partial deletes', async () => {
    const matching = (filter: FuzzFilter) =>
      [...stored].filter(([, p]) => filter.test!(p)).map(([n]) => n);
    const tally = { runs: 0, search: 0, count: 0, delete: 0, refused: 0, exact: 0 };
    const goodVector = fc
      .array(fc.float({ min: -1, max: 1, noNaN: true }), { minLength: DIM, maxLength: DIM })
      .map((v) => ({ vector: wireVector(Float32Array.from(v)), bad: false, dims: DIM }));
    const search = fc.record({
      op: fc.constant('search' as const),
      vector: fc.oneof({ weight: 2, arbitrary: goodVector }, vectorArb(DIM)),
      limit: fc.oneof(
        fc.constantFrom(0, 1, 10, MAX_SEARCH_LIMIT, MAX_SEARCH_LIMIT + 1),
        fc.nat(5000),
      ),
      filter: filterArb(),
      withPayload: fc.boolean(),
    });
    const count = fc.record({ op: fc.constant('count' as const), filter: filterArb() });
    const remove = fc.record({
      op: fc.constant('delete' as const),
      ids: fc.array(
        fc.oneof(
          fc.nat(POINTS + 5).map((n) => ({ id: wireId(n), key: String(n) })),
          idArb(tenant, table),
        ),
        { maxLength: 3 },
      ),
      // A filter the model can evaluate (or a bad one): deletes must be checked exactly.
      filter: fc.oneof(
        {
          weight: 3,
          arbitrary: fc.constant({
            wire: undefined,
            problems: [],
            test: () => false,
          }),
        },
        filterArb().filter((f) => f.test !== undefined || f.problems.length > 0),
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof({ weight: 3, arbitrary: search }, { weight: 2, arbitrary: count }, remove),
        async (q) => {
          tally.runs += 1;
          tally[q.op] += 1;
          const before = stored.size;
          if (q.op === 'search') {
            const effective = q.limit === 0 ? 10 : q.limit;
            const problems = [
              ...(q.vector.bad ? ['vector'] : []),
              ...(effective > MAX_SEARCH_LIMIT ? ['limit'] : []),
              ...q.filter.problems,
            ];
            const got = await outcome(
              api.search({
                tenantId: '',
                table,
                vector: q.vector.vector,
                limit: q.limit,
                filter: q.filter.wire,
                withPayload: q.withPayload,
              }),
            );
            if (!checkVerdict(got, problems)) tally.refused += 1;
            else {
              const hits = got.value!.points;
              const allowed = q.filter.test === undefined ? [...stored.keys()] : matching(q.filter);
              if (q.filter.test !== undefined) {
                assert.equal(hits.length, Math.min(effective, allowed.length));
                tally.exact += 1;
              } else assert.ok(hits.length <= Math.min(effective, stored.size));
              for (const h of hits) {
                assert.ok(
                  allowed.includes(plainId(h.id) as number),
                  `hit ${plainId(h.id)} matches`,
                );
                assert.ok(Number.isFinite(h.score));
                if (q.withPayload) assert.deepEqual(h.payload, stored.get(plainId(h.id) as number));
              }
            }
          } else if (q.op === 'count') {
            const got = await outcome(
              api.count({ tenantId: '', table, filter: q.filter.wire, exact: true }),
            );
            if (!checkVerdict(got, q.filter.problems)) tally.refused += 1;
            else if (q.filter.test !== undefined) {
              assert.equal(got.value!.count, BigInt(matching(q.filter).length));
              tally.exact += 1;
            }
          } else {
            const noFilter =
              q.filter.wire === undefined ||
              q.filter.wire.must.length +
                q.filter.wire.should.length +
                q.filter.wire.mustNot.length ===
                0;
            const problems = [
              ...(q.ids.length === 0 && noFilter ? ['ids'] : []),
              ...q.ids.flatMap((id, i) =>
                'bad' in id && id.bad !== undefined
                  ? [id.bad === 'id' ? `ids[${i}]` : `ids[${i}].record_id`]
                  : [],
              ),
              ...q.filter.problems,
            ];
            const got = await outcome(
              api.deletePoints({
                tenantId: '',
                table,
                ids: q.ids.map((i) => i.id ?? { kind: undefined }),
                filter: q.filter.wire,
              }),
            );
            if (!checkVerdict(got, problems)) tally.refused += 1;
            else {
              for (const id of q.ids) if (/^\d+$/.test(id.key ?? '')) stored.delete(Number(id.key));
              if (!noFilter) for (const n of matching(q.filter)) stored.delete(n);
            }
          }
          const { count: total } = await api.count({
            tenantId: '',
            table,
            filter: undefined,
            exact: true,
          });
          assert.equal(total, BigInt(stored.size), `points stored (${before} before this case)`);
          if (stored.size < POINTS / 2) await refill();
        },
      ),
      { numRuns: 250, includeErrorInReport: true },
    );
    await reportReliability({
      kind: 'input',
      test: 'search, count and delete requests (vectors, limits, ids, filters)',
      what: 'query vectors of every kind above; limits 0 to 5,000; filters of up to 9 conditions with malformed, reserved, over-long and bracketed keys, missing bodies, integers past 2^53, NaN/±Inf bounds, 257 conditions; deletes by good and bad ids',
      checked:
        'INVALID_ARGUMENT naming only real problems; exact counts and hits where the payload model decides; Count = model after every case (a refused delete deletes nothing)',
      figures: tally,
    });
  });
});
