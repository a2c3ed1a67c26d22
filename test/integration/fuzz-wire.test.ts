import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import fc from 'fast-check';
import { wireVector, type VectorAdminApi } from '../../src/client/index.js';
import * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { reportReliability } from '../helpers/fault-report.js';
import { RawGrpcClient } from '../helpers/fuzz-grpc.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const DIM = 256;
const MAX_MESSAGE_BYTES = 256 * 1024;
const config = { vectorSize: DIM, distance: pb.Distance.DISTANCE_DOT, tenancy: 0 };
/** Codes that would mean the service, not the input, is at fault. */
const SERVER_FAULTS = new Set([
  status.INTERNAL,
  status.UNKNOWN,
  status.UNAVAILABLE,
  status.DEADLINE_EXCEEDED,
]);

function auth(key: string): Metadata {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${key}`);
  return metadata;
}

/** One valid encoded request per method, all aimed at `table`: the seeds for mutation. */
function validRequests(table: string): [string, Buffer][] {
  const points = wirePoints(seededRandom(3), DIM, 0, 2).points;
  const vector = wireVector(new Float32Array(DIM).fill(0.5));
  const filter = {
    must: [
      {
        key: 'n',
        condition: {
          $case: 'match' as const,
          value: { value: { $case: 'integer' as const, value: 1n } },
        },
      },
    ],
    should: [],
    mustNot: [],
  };
  const encode = <T>(fns: pb.MessageFns<T>, message: T) =>
    Buffer.from(fns.encode(message).finish());
  return [
    ['CreateCollection', encode(pb.CreateCollectionRequest, { tenantId: '', table, config })],
    ['EnsureCollection', encode(pb.EnsureCollectionRequest, { tenantId: '', table, config })],
    ['GetCollection', encode(pb.GetCollectionRequest, { tenantId: '', table })],
    ['ListCollections', encode(pb.ListCollectionsRequest, { tenantId: '' })],
    ['DeleteCollection', encode(pb.DeleteCollectionRequest, { tenantId: '', table })],
    [
      'Upsert',
      encode(pb.UpsertRequest, { tenantId: '', table, seq: 1n, points, autoCreate: config }),
    ],
    [
      'DeletePoints',
      encode(pb.DeletePointsRequest, { tenantId: '', table, ids: [points[0]!.id!], filter }),
    ],
    [
      'Search',
      encode(pb.SearchRequest, {
        tenantId: '',
        table,
        vector,
        limit: 3,
        filter,
        withPayload: true,
      }),
    ],
    ['Count', encode(pb.CountRequest, { tenantId: '', table, filter, exact: true })],
  ];
}

/** Damaged forms of `bytes`: flipped, cut, spliced, or replaced by noise. */
function mutated(bytes: Buffer): fc.Arbitrary<Buffer> {
  const at = fc.nat(bytes.length);
  return fc.oneof(
    fc
      .tuple(
        fc.array(fc.tuple(at, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }),
      )
      .map(([flips]) => {
        const copy = Buffer.from(bytes);
        for (const [i, b] of flips) if (i < copy.length) copy[i] = b;
        return copy;
      }),
    at.map((n) => bytes.subarray(0, n)),
    fc
      .tuple(at, fc.uint8Array({ minLength: 1, maxLength: 16 }))
      .map(([n, junk]) => Buffer.concat([bytes.subarray(0, n), junk, bytes.subarray(n)])),
    fc.uint8Array({ maxLength: 512 }).map((junk) => Buffer.from(junk)),
  );
}

describe('fuzz wire', () => {
  const tenant = uniqueName('fuzz-wire');
  let stack: TestStack;
  let api: VectorAdminApi;
  let raw: RawGrpcClient;
  before(async () => {
    stack = await startTestStack({
      tenants: [tenant],
      env: { VECTORADMIN_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES) },
    });
    api = stack.api(tenantKey(tenant));
    raw = new RawGrpcClient(stack.address);
  });
  after(async () => {
    raw.close();
    await stack[Symbol.asyncDispose]();
  });

  test('fuzz wire - damaged request bytes on every method: a status the caller can act on, never a server fault', async () => {
    const requests = validRequests(uniqueTable('wire'));
    const codes: Record<string, number> = {};
    let runs = 0;
    const damaged = fc
      .constantFrom(...requests)
      .chain(([method, bytes]) => mutated(bytes).map((b) => ({ method, bytes: b })));
    await fc.assert(
      fc.asyncProperty(damaged, async ({ method, bytes }) => {
        runs += 1;
        const got = await raw.unary(method, bytes, auth(tenantKey(tenant)));
        codes[status[got.code]] = (codes[status[got.code]] ?? 0) + 1;
        assert.ok(!SERVER_FAULTS.has(got.code), `${method}: ${status[got.code]} ${got.details}`);
        if (got.code !== status.OK)
          assert.ok(got.details.length > 0, 'the status says what is wrong');
      }),
      { numRuns: 300, includeErrorInReport: true },
    );
    assert.ok((codes.INVALID_ARGUMENT ?? 0) > 0 && (codes.OK ?? 0) > 0, JSON.stringify(codes));
    await api.listCollections({ tenantId: '' });
    await reportReliability({
      kind: 'input',
      test: 'damaged protobuf bytes on all nine RPCs',
      what: 'valid requests with bytes overwritten, cut short, spliced with noise, or replaced by noise',
      checked:
        'never INTERNAL/UNKNOWN/UNAVAILABLE; every refusal carries a reason; the service keeps answering',
      figures: { runs, ...codes },
    });
  });

  test('fuzz wire - messages over the size limit are RESOURCE_EXHAUSTED and write nothing', async () => {
    const table = uniqueTable('oversized');
    await api.createCollection({ tenantId: '', table, config });
    let stored = 0;
    let runs = 0;
    let refused = 0;
    // Around the limit: 1 KiB of vector per point, so 200-300 points straddle 256 KiB.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 200, max: 300 }), fc.nat(), async (n, seed) => {
        runs += 1;
        const request = {
          tenantId: '',
          table,
          seq: 1n,
          points: wirePoints(seededRandom(seed), DIM, stored, n).points,
          autoCreate: undefined,
        };
        const bytes = Buffer.from(pb.UpsertRequest.encode(request).finish());
        const got = await raw.unary('Upsert', bytes, auth(tenantKey(tenant)));
        if (bytes.length > MAX_MESSAGE_BYTES) {
          refused += 1;
          assert.equal(got.code, status.RESOURCE_EXHAUSTED, got.details);
        } else {
          assert.equal(got.code, status.OK, got.details);
          stored += n;
        }
        const { count } = await api.count({ tenantId: '', table, filter: undefined, exact: true });
        assert.equal(count, BigInt(stored));
      }),
      { numRuns: 30, includeErrorInReport: true },
    );
    assert.ok(
      refused > 0 && refused < runs,
      `both sides of the limit were tried (${refused}/${runs})`,
    );

    // On a stream: the batches before an oversized one are acknowledged and kept, it is not.
    const connection = stack.connection(tenantKey(tenant));
    const call = connection.raw.upsertStream(connection.metadata());
    const acks: bigint[] = [];
    call.on('data', (ack: pb.UpsertAck) => acks.push(ack.seq));
    const ended = new Promise<StatusObject>((resolve) => call.on('status', resolve));
    call.on('error', (_err: ServiceError) => undefined);
    call.write({
      tenantId: '',
      table,
      seq: 1n,
      points: wirePoints(seededRandom(1), DIM, stored, 10).points,
    });
    await once(call, 'data');
    call.write({
      tenantId: '',
      table: '',
      seq: 2n,
      points: wirePoints(seededRandom(2), DIM, stored + 10, 400).points,
    });
    const end = await ended;
    assert.equal(end.code, status.RESOURCE_EXHAUSTED);
    assert.deepEqual(acks, [1n]);
    const { count } = await api.count({ tenantId: '', table, filter: undefined, exact: true });
    assert.equal(count, BigInt(stored + 10), 'the acked batch is kept, the oversized one absent');
    await reportReliability({
      kind: 'input',
      test: 'oversized messages (unary and stream)',
      what: `Upsert requests of 200-300 KiB against a ${MAX_MESSAGE_BYTES / 1024} KiB limit; a 400 KiB batch after an acked one on a stream`,
      checked:
        'RESOURCE_EXHAUSTED past the limit, OK below; Count = points of accepted requests after every case',
      figures: { runs: runs + 1, refused: refused + 1, storedPoints: stored + 10 },
    });
  });

  test('fuzz wire - malformed authorization metadata is UNAUTHENTICATED, a good key is accepted however it is spelled', async () => {
    const key = tenantKey(tenant);
    const list = Buffer.from(pb.ListCollectionsRequest.encode({ tenantId: '' }).finish());
    const header = fc.oneof(
      fc.constantFrom(
        `Bearer ${key}`,
        `bearer ${key}`,
        `BEARER    ${key}`,
        `Bearer ${key} `,
        ` Bearer ${key}`,
        'Bearer',
        'Bearer ',
        key,
        `Basic ${key}`,
        `Bearer ${key}x`,
        `Bearer ${key.slice(1)}`,
        '',
      ),
      fc.string({ maxLength: 80 }).map((s) => `Bearer ${s}`),
      fc.string({ maxLength: 80 }),
      fc.integer({ min: 1, max: 20_000 }).map((n) => `Bearer ${'k'.repeat(n)}`),
      fc.constant(undefined),
    );
    const extras = fc.record(
      { traceparent: fc.string({ maxLength: 60 }), tracestate: fc.string({ maxLength: 600 }) },
      { requiredKeys: [] },
    );
    const codes: Record<string, number> = {};
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(header, extras, async (value, more) => {
        runs += 1;
        const metadata = new Metadata();
        if (value !== undefined) metadata.set('authorization', value);
        for (const [k, v] of Object.entries(more)) metadata.set(k, v);
        const got = await raw.unary('ListCollections', list, metadata);
        codes[status[got.code]] = (codes[status[got.code]] ?? 0) + 1;
        // HTTP/2 drops a field value with leading or trailing whitespace; the scheme is case-blind.
        const good = value !== undefined && new RegExp(`^bearer +${key}$`, 'i').test(value);
        assert.equal(
          got.code,
          good ? status.OK : status.UNAUTHENTICATED,
          `${JSON.stringify(value?.slice(0, 60))}: ${got.details}`,
        );
      }),
      { numRuns: 200, includeErrorInReport: true },
    );
    await reportReliability({
      kind: 'input',
      test: 'malformed authorization metadata',
      what: 'missing, empty, other schemes, bare keys, near-miss keys, 20,000-character keys, stray whitespace, garbage traceparent/tracestate',
      checked: 'UNAUTHENTICATED unless the exact key is presented as a Bearer token; OK then',
      figures: { runs, ...codes },
    });
  });
});
