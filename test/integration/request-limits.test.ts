import assert from 'node:assert/strict';
import http2 from 'node:http2';
import { describe, test } from 'node:test';
import { streamUpserts, wireId } from '../../src/client/index.js';
import { Distance, type Point } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';

const DIM = 4;
const config = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };

/** Points with the given ids (vectors and payloads from a seeded source). */
function withIds(ids: readonly Point['id'][], seed: number): Point[] {
  const { points } = wirePoints(seededRandom(seed), DIM, 0, ids.length);
  return points.map((point, i) => ({ ...point, id: ids[i] }));
}

interface WireAnswer {
  readonly grpcStatus?: string;
  readonly grpcMessage?: string;
  readonly rstCode?: number;
}

/**
 * A ListCollections call over plain HTTP/2 with the headers given: grpc-js's own client cuts
 * header lists above 64 KiB before sending, which hides what the server does with them.
 */
async function rawCall(address: string, extra: Record<string, string>): Promise<WireAnswer> {
  const session = http2.connect(`http://${address}`, {
    maxSendHeaderBlockLength: 8 * 1024 * 1024,
    settings: { maxHeaderListSize: 8 * 1024 * 1024 },
  });
  session.on('error', () => undefined);
  try {
    const stream = session.request({
      ':method': 'POST',
      ':path': '/vectoradmin.v1.VectorAdmin/ListCollections',
      'content-type': 'application/grpc',
      te: 'trailers',
      ...extra,
    });
    let answer: WireAnswer = {};
    const take = (headers: http2.IncomingHttpHeaders) => {
      const code = headers['grpc-status'];
      if (typeof code === 'string')
        answer = {
          grpcStatus: code,
          grpcMessage: decodeURIComponent(String(headers['grpc-message'] ?? '')),
        };
    };
    stream.on('response', take);
    stream.on('trailers', take);
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    // A call left hanging ends here, and fails the test, instead of at the test runner's limit.
    stream.setTimeout(20_000, () => stream.close(http2.constants.NGHTTP2_CANCEL));
    stream.end(Buffer.from([0, 0, 0, 0, 0]));
    await new Promise((resolve) => stream.on('close', resolve));
    return { ...answer, ...(answer.grpcStatus === undefined ? { rstCode: stream.rstCode } : {}) };
  } finally {
    session.destroy();
  }
}

describe('request limits', () => {
  test('request limits - a batch repeating ids is acked, stored and evented as the ids it holds', async () => {
    await using nats = await NatsServer.start();
    const tenant = uniqueName('dupes');
    const stream = 'VECTORADMIN_EVENTS';
    await using stack = await startTestStack({
      tenants: [tenant],
      natsUrl: nats.url,
      env: { VECTORADMIN_EVENTS_STREAM: stream },
    });
    const api = stack.api(tenantKey(tenant));
    const table = uniqueTable('dupes');
    const uuid = '0b1c2d3e-4f50-4617-8293-a4b5c6d7e8f9';
    const unary = await api.upsert({
      tenantId: '',
      table,
      seq: 1n,
      points: withIds([wireId(1), wireId(2), wireId(2), wireId(3)], 1),
      autoCreate: config,
    });
    assert.equal(unary.upserted, 3, 'ids 1, 2, 2, 3 are three points');
    const cased = await api.upsert({
      tenantId: '',
      table,
      seq: 2n,
      points: withIds([wireId({ uuid }), wireId({ uuid: uuid.toUpperCase() })], 2),
      autoCreate: undefined,
    });
    assert.equal(cased.upserted, 1, 'UUIDs differing only in case are one id');
    const streamed = await streamUpserts(stack.connection(tenantKey(tenant)), [
      { table, points: withIds([wireId(7), wireId(7), wireId(8)], 3) },
    ]);
    assert.equal(streamed.upserted, 2, 'a stream batch counts the same way');
    const { count } = await api.count({ tenantId: '', table, filter: undefined, exact: true });
    assert.equal(count, 6n, 'stored: 1, 2, 3, the UUID, 7, 8');

    // Opened, three upserts, closed: the upserts' points add up to what was acked.
    const events = await readAllEvents(nats.url, stream, 5);
    const upserts = events.filter((e) => e.data.operation === 'upsert');
    assert.deepEqual(
      upserts.map((e) => [e.data.points, e.data.points_requested]),
      [
        [3, 4],
        [1, 2],
        [2, 3],
      ],
    );
  });

  test('request limits - metadata past 64 KiB is RESOURCE_EXHAUSTED naming the limit, at once; smaller metadata is served', async () => {
    const tenant = uniqueName('meta');
    await using stack = await startTestStack({ tenants: [tenant] });
    const key = `Bearer ${tenantKey(tenant)}`;
    const filler = (count: number, size: number) =>
      Object.fromEntries(
        Array.from({ length: count }, (_, i) => [`x-filler-${i}`, 'v'.repeat(size)]),
      );

    for (const [what, headers] of [
      ['100 headers of 1 KB', { authorization: key, ...filler(100, 1000) }],
      ['50 headers of 2 KB', { authorization: key, ...filler(50, 2000) }],
    ] as const) {
      const answer = await rawCall(stack.address, headers);
      assert.equal(
        answer.grpcStatus,
        '8',
        `${what}: RESOURCE_EXHAUSTED (${JSON.stringify(answer)})`,
      );
      assert.match(answer.grpcMessage ?? '', /more than the limit of 65536 \(64 KiB\)/, what);
    }
    // Past what HTTP/2 itself takes the stream is reset at once, never left to a deadline: one
    // field past 64 KiB is past HPACK's bound (nghttp2's, not configurable), more than 128
    // fields past Node's header pair limit.
    for (const [what, headers, code] of [
      [
        '100 KB in one header',
        { authorization: key, 'x-big': 'v'.repeat(100_000) },
        http2.constants.NGHTTP2_COMPRESSION_ERROR,
      ],
      [
        'a 1 MB authorization',
        { authorization: `Bearer ${'k'.repeat(1_000_000)}` },
        http2.constants.NGHTTP2_COMPRESSION_ERROR,
      ],
      [
        '1,000 headers of 1 KB',
        { authorization: key, ...filler(1000, 1000) },
        http2.constants.NGHTTP2_ENHANCE_YOUR_CALM,
      ],
    ] as const) {
      const answer = await rawCall(stack.address, headers);
      assert.equal(answer.rstCode, code, `${what}: ${JSON.stringify(answer)}`);
    }
    // Below the limit nothing changes: a good key is served, a bad one is UNAUTHENTICATED.
    const near = await rawCall(stack.address, { authorization: key, ...filler(50, 1000) });
    assert.equal(near.grpcStatus, '0', JSON.stringify(near));
    const bad = await rawCall(stack.address, { authorization: `Bearer ${'k'.repeat(20_000)}` });
    assert.equal(bad.grpcStatus, '16', JSON.stringify(bad));
  });
});
