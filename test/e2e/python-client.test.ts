import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { connect as connectNats } from 'nats';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { NatsServer } from '../helpers/nats-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  uniqueTable,
} from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';
import {
  EVENT_SCHEMA,
  generateStubs,
  requirePythonTools,
  runPythonClient,
  startSubscriber,
  tally,
  type ClientReport,
  type SubscriberReport,
} from './python/python-tools.js';

// Issues 2, 3 and 4 from another language: a Python grpcio client generated from proto/ and a
// Python subscriber on a plain NATS socket (test/e2e/python/). CI-sized: the README there
// gives the 100,000 x 1,536 run and its figures.

const VECTORS = 4000;
const DIM = 64;
const STEP_TIMEOUT_MS = 60_000;

test(
  'python client - a grpcio client runs collections and streams, a raw NATS subscriber sees one valid event per operation',
  { timeout: 120_000 },
  async () => {
    requirePythonTools();
    const tenantA = uniqueName('py-a');
    const tenantB = uniqueName('py-b');
    const otherTable = uniqueTable('theirs');
    const doneSubject = `e2e.done.${uniqueName('python')}`;
    const stubs = await mkdtemp(path.join(tmpdir(), 'vectoradmin-pystubs-'));
    let subscriber: ChildProcess | undefined;
    try {
      await generateStubs(stubs);
      await using nats = await NatsServer.start();
      await using stack = await startTestStack({ tenants: [tenantA, tenantB], natsUrl: nats.url });
      const delivered = () => stack.service.events.state().pending === 0;

      // Tenant B's collection exists before the run, and its events are delivered before the
      // subscriber attaches: from then on nothing may mention tenant B.
      const apiB = stack.api(tenantKey(tenantB));
      const config = { vectorSize: DIM, distance: Distance.DISTANCE_COSINE, tenancy: 0 };
      await apiB.createCollection({ tenantId: '', table: otherTable, config });
      const { points } = wirePoints(seededRandom(5), DIM, 0, 3);
      await apiB.upsert({
        tenantId: '',
        table: otherTable,
        seq: 1n,
        points,
        autoCreate: undefined,
      });
      await waitFor(delivered, { timeoutMs: STEP_TIMEOUT_MS, reason: "tenant B's events sent" });

      const sub = await startSubscriber([
        ...['--url', nats.url, '--until', doneSubject],
        ...['--schema', EVENT_SCHEMA, '--forbid', tenantB],
      ]);
      subscriber = sub.child;
      const client = await runPythonClient(
        [
          ...['--address', stack.address, '--key', tenantKey(tenantA), '--stubs', stubs],
          ...['--other-tenant', tenantB, '--other-table', otherTable],
          ...['--vectors', String(VECTORS), '--dim', String(DIM), '--batch', '256'],
        ],
        STEP_TIMEOUT_MS,
      );
      assert.deepEqual(client.failures, [], 'the Python client found no failed check');
      assertCollections(client, tenantA);
      assertIngest(client);

      // Issue 4: one valid event per operation of the run, all tenant A's. The planted bad
      // event shows the subscriber's validation can fail.
      await waitFor(delivered, { timeoutMs: STEP_TIMEOUT_MS, reason: "the run's events sent" });
      const planted = `vectoradmin.v1.${tenantA}.planted.count`;
      const nc = await connectNats({ servers: nats.url });
      nc.publish(planted, JSON.stringify({ specversion: '1.0' }));
      nc.publish(doneSubject);
      await nc.flush();
      await nc.close();
      const report = await sub.report;
      assert.deepEqual(
        report.invalid.map((i) => i.subject),
        [planted],
        'every event but the planted one is a valid CloudEvent',
      );
      assert.ok((report.invalid[0]?.problems.length ?? 0) > 0);
      assertEvents(client, report, planted, tenantA);

      // After the subscriber stopped, as this call is tenant B's own event.
      const theirs = await apiB.getCollection({ tenantId: '', table: otherTable });
      assert.equal(theirs.pointsCount, 3n, "tenant B's collection is untouched");
    } finally {
      if (subscriber?.exitCode === null) subscriber.kill();
      await rm(stubs, { recursive: true, force: true });
    }
  },
);

// Issue 2: the lifecycle with a tenant key, refused for another tenant's.
function assertCollections(client: ClientReport, tenantA: string): void {
  const c = client.collections;
  assert.equal(c.tenant_id, tenantA);
  assert.deepEqual(c.listed_tenants, [tenantA]);
  assert.equal(c.points_count, 5);
  assert.equal(c.ensure_existing_created, false);
  assert.equal(c.ensure_new_created, true);
  assert.equal(c.deleted, true);
  assert.equal(c.deleted_again, false);
  assert.equal(c.bad_upsert.code, 'INVALID_ARGUMENT');
  assert.match(c.bad_upsert.field_violations[0] ?? '', /^points\[1\]\.vector: /);
  // The rich error model, decoded in Python from grpc-status-details-bin: the same violation.
  assert.deepEqual(
    c.bad_upsert.details.map(([field, description]) => `${field}: ${description}`),
    c.bad_upsert.field_violations,
  );
  assert.equal(Object.keys(c.refused).length, 9);
  for (const [method, code] of Object.entries(c.refused)) {
    assert.equal(code, 'PERMISSION_DENIED', method);
  }
  assert.deepEqual(client.cleanup.left, []);
}

// Issue 3: an ack per batch in order, exact Count and Search, the bad batch, the re-send.
function assertIngest(client: ClientReport): void {
  assert.deepEqual(
    client.ingest.map((i) => i.encoding),
    ['f32le', 'dense'],
  );
  for (const ingest of client.ingest) {
    const label = ingest.encoding;
    const seqs = ingest.acks.map((a) => a.seq);
    assert.deepEqual(seqs, ingest.sent_seqs, `${label}: one ack per batch, in order`);
    assert.equal(ingest.acks.find((a) => a.seq === ingest.bad_seq)?.upserted, 0);
    const named = ingest.bad_ack.map((e) => `${e.index} ${e.field}`);
    assert.deepEqual(named, ['3 points[3].vector', '7 points[7].vector']);
    assert.equal(
      ingest.acks.reduce((n, a) => n + a.upserted, 0),
      VECTORS,
    );
    assert.equal(ingest.unique_ids, VECTORS - VECTORS / 50);
    assert.equal(ingest.count, ingest.unique_ids, `${label}: Count is the unique ids`);
    assert.equal(ingest.points_count, ingest.unique_ids);
    assert.equal(ingest.search_ids.length, 5);
    assert.deepEqual(ingest.search_ids, ingest.brute_force_ids, `${label}: exact top-10`);
    assert.equal(ingest.resend.acks, ingest.sent_seqs.length - 1);
    assert.equal(ingest.resend.count, ingest.unique_ids, `${label}: re-send changes nothing`);
    assert.deepEqual(ingest.resend.search_ids, ingest.search_ids);
  }
}

function assertEvents(
  client: ClientReport,
  report: SubscriberReport,
  planted: string,
  tenantA: string,
): void {
  const events = report.events.filter((e) => e.subject !== planted);
  assert.deepEqual(report.forbidden, [], 'tenant B appears in no event');
  assert.deepEqual(report.other_subjects, []);
  const strays = events.filter(
    (e) => e.tenant_id !== tenantA || !e.subject.startsWith(`vectoradmin.v1.${tenantA}.`),
  );
  assert.deepEqual(strays, []);
  assert.deepEqual(tally(events), tally(client.operations), 'one event per operation');
  for (const ingest of client.ingest) {
    const written = events
      .filter((e) => e.table === ingest.table && e.operation === 'upsert' && e.grpc_code === 'OK')
      .reduce((n, e) => n + (e.points ?? 0), 0);
    assert.equal(written, 2 * VECTORS, `${ingest.encoding}: both streams' points in events`);
  }
}
