import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import fc from 'fast-check';
import { streamUpserts, type Connection, type VectorAdminApi } from '../../src/client/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { reportReliability } from '../helpers/fault-report.js';
import { outcome } from '../helpers/fuzz-grpc.js';
import {
  MAX_PAYLOAD_BYTES,
  anyPointArb,
  goodPointArb,
  type FuzzPoint,
} from '../helpers/fuzz-point-arbitraries.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const DIM = 4;
const MAX_POINTS = 8;
const NUM_RUNS = 250;

/** What the service must do with a batch, derived from the contract alone. */
type Verdict =
  | { readonly kind: 'written'; readonly keys: readonly string[] }
  | { readonly kind: 'rejected'; readonly fields: readonly string[] }
  | { readonly kind: 'undecodable' };

function verdict(points: readonly FuzzPoint[]): Verdict {
  // Decoding comes first: one payload nested too deep spoils the whole message.
  if (points.some((p) => p.tooDeep)) return { kind: 'undecodable' };
  if (points.length === 0 || points.length > MAX_POINTS)
    return { kind: 'rejected', fields: ['points'] };
  const fields = points.flatMap((p, i) => p.bad.map((f) => `points[${i}].${f}`));
  if (fields.length > 0) return { kind: 'rejected', fields };
  return { kind: 'written', keys: points.map((p) => p.key!) };
}

const sorted = (values: readonly string[]) => [...values].sort();
// A batch that repeats an id stores it once, the later point winning, and is acked as such.
const distinct = (keys: readonly string[]) => new Set(keys).size;

describe('fuzz points', () => {
  const tenant = uniqueName('fuzz-points');
  const table = uniqueTable('fuzz');
  let stack: TestStack;
  let api: VectorAdminApi;
  let connection: Connection;
  before(async () => {
    stack = await startTestStack({
      tenants: [tenant],
      env: {
        VECTORADMIN_MAX_BATCH_POINTS: String(MAX_POINTS),
        VECTORADMIN_MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES),
      },
    });
    connection = stack.connection(tenantKey(tenant));
    api = stack.api(tenantKey(tenant));
    await api.createCollection({
      tenantId: '',
      table,
      config: { vectorSize: DIM, distance: Distance.DISTANCE_EUCLID, tenancy: 0 },
    });
  });
  after(async () => {
    await stack[Symbol.asyncDispose]();
  });

  test('fuzz points - any batch is written whole or refused naming every bad point, never in part', async () => {
    const stored = new Set<string>();
    const tally = { runs: 0, written: 0, rejected: 0, undecodable: 0, unary: 0, stream: 0 };
    const batch = fc.record({
      // Mostly good points with a bad one slipped in: a batch must still be refused whole.
      points: fc.oneof(
        fc.array(goodPointArb(DIM), { maxLength: MAX_POINTS + 2 }),
        fc
          .tuple(
            fc.array(goodPointArb(DIM), { maxLength: MAX_POINTS - 1 }),
            anyPointArb(tenant, table, DIM),
            fc.nat(),
          )
          .map(([good, any, at]) => good.toSpliced(at % (good.length + 1), 0, any)),
        fc.array(anyPointArb(tenant, table, DIM), { maxLength: 4 }),
      ),
      via: fc.constantFrom('unary', 'stream'),
    });
    await fc.assert(
      fc.asyncProperty(batch, async ({ points, via }) => {
        tally.runs += 1;
        tally[via] += 1;
        const expected = verdict(points);
        tally[expected.kind] += 1;
        const wire = points.map((p) => p.wire);
        if (via === 'unary') {
          const got = await outcome(
            api.upsert({ tenantId: '', table, seq: 1n, points: wire, autoCreate: undefined }),
          );
          if (expected.kind === 'written') {
            assert.equal(got.code, status.OK, got.details);
            assert.equal(got.value?.upserted, distinct(expected.keys), 'repeated ids count once');
          } else {
            assert.equal(got.code, status.INVALID_ARGUMENT, `${expected.kind}: ${got.details}`);
            assert.ok(got.details.length > 0, 'the status says what is wrong');
            if (expected.kind === 'rejected')
              assert.deepEqual(sorted(got.fields), sorted(expected.fields));
          }
        } else {
          const result = await streamUpserts(connection, [{ table, points: wire }], {
            retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
          }).then(
            (r) => ({ ok: true as const, r }),
            (err: ServiceError) => ({ ok: false as const, err }),
          );
          if (expected.kind === 'undecodable') {
            assert.equal(result.ok ? status.OK : result.err.code, status.INVALID_ARGUMENT);
          } else {
            assert.ok(result.ok, `the stream stays open: ${result.ok ? '' : result.err.message}`);
            if (expected.kind === 'written')
              assert.equal(result.r.upserted, distinct(expected.keys), 'repeated ids count once');
            else {
              const errors = result.r.rejected[0]?.errors ?? [];
              assert.deepEqual(sorted(errors.map((e) => e.field)), sorted(expected.fields));
              for (const e of errors)
                assert.equal(
                  e.field.startsWith(`points[${e.index}]`) || e.field === 'points',
                  true,
                );
            }
          }
        }
        if (expected.kind === 'written') for (const key of expected.keys) stored.add(key);
        const { count } = await api.count({ tenantId: '', table, filter: undefined, exact: true });
        assert.equal(count, BigInt(stored.size), 'stored points = points of accepted batches');
      }),
      { numRuns: NUM_RUNS, includeErrorInReport: true },
    );
    assert.ok(
      tally.written > 0 && tally.rejected > 0 && tally.undecodable > 0,
      JSON.stringify(tally),
    );
    // The service is still answering after everything it was sent.
    await api.getCollection({ tenantId: '', table });
    await reportReliability({
      kind: 'input',
      test: 'point batches (ids, vectors, payloads) over Upsert and UpsertStream',
      what: 'ids past 2^53, non-UUIDs, empty/1025-char record ids, missing ids; NaN/±Inf and arbitrary float32 bit patterns, wrong, zero and 100,000 dimensions, torn f32le bytes; payloads as a Struct or as payload_json with odd keys, NaN/±Inf/-0, nesting up to 400 levels, up to 4x the size limit, and payload_json that is not one JSON object; empty and oversized batches',
      checked:
        'INVALID_ARGUMENT naming exactly the bad fields (or the undecodable message); Count = ids of accepted batches after every case',
      figures: { ...tally, storedPoints: stored.size },
    });
  });
});
