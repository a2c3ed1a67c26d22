import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { startSink } from '../../src/bench/sink-main.js';
import { connect, streamUpserts, type StreamBatch } from '../../src/client/index.js';
import type { UpsertRequest } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { wirePoints, seededRandom } from '../helpers/points.js';
import { waitFor } from '../helpers/wait-for.js';

// The client library against a scripted peer (real gRPC on an ephemeral port): the first
// stream breaks with UNAVAILABLE right after acking seq 2, while the client waits on its source.

interface Received {
  readonly session: number;
  readonly seq: bigint;
  readonly tenantId: string;
  readonly table: string;
}

async function startBreakingPeer(breakAfterSeq: bigint) {
  const received: Received[] = [];
  let sessions = 0;
  const { port, server } = await startSink(4 << 20, (call) => {
    const session = ++sessions;
    call.on('data', (r: UpsertRequest) => {
      received.push({ session, seq: r.seq, tenantId: r.tenantId, table: r.table });
      call.write({ seq: r.seq, upserted: r.points.length, errors: [] });
      if (session === 1 && r.seq === breakAfterSeq) {
        call.emit('error', { code: status.UNAVAILABLE, details: 'scripted break' });
      }
    });
    call.on('end', () => call.end());
    call.on('error', () => undefined);
  });
  return {
    address: `127.0.0.1:${port}`,
    received,
    /** Streams the peer has seen opened so far. */
    get sessions() {
      return sessions;
    },
    [Symbol.asyncDispose]: () =>
      new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}

async function* slowSource(reconnected: () => boolean): AsyncGenerator<StreamBatch> {
  const random = seededRandom(3);
  const batch = (i: number, named: boolean): StreamBatch => ({
    // Only the first batch names tenant and table; the rest rely on "repeat the previous".
    ...(named ? { tenantId: 'acme' } : {}),
    table: named ? 'docs' : '',
    points: wirePoints(random, 4, i * 10, 10).points,
  });
  yield batch(0, true);
  yield batch(1, false);
  // The first stream breaks during this pause, and the client reconnects before it ends.
  await waitFor(reconnected, { timeoutMs: 10_000, reason: 'the client to open a second stream' });
  for (let i = 2; i < 6; i += 1) yield batch(i, false);
}

test('client resume - a batch pulled while the stream was reconnecting goes out once, in order, naming its tenant and table', async () => {
  await using peer = await startBreakingPeer(2n);
  const connection = connect({ address: peer.address });
  try {
    const result = await streamUpserts(
      connection,
      slowSource(() => peer.sessions >= 2),
      {
        retry: { maxAttempts: 5, initialDelayMs: 1, maxDelayMs: 5 },
      },
    );
    assert.equal(result.batches, 6);
    assert.equal(result.lastSeq, 6n);
    assert.equal(result.reconnects, 1);
    const second = peer.received.filter((r) => r.session === 2);
    assert.deepEqual(
      second.map((r) => r.seq),
      [3n, 4n, 5n, 6n],
      'the resumed stream carries every later batch once, in order',
    );
    for (const r of peer.received) {
      assert.equal(r.tenantId, 'acme', `seq ${r.seq} names its tenant`);
      assert.equal(r.table, 'docs', `seq ${r.seq} names its table`);
    }
  } finally {
    connection.close();
  }
});
