import assert from 'node:assert/strict';
import { test } from 'node:test';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import { plainId, wireId, type VectorAdminApi } from '../../src/client/index.js';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { readAllEvents } from '../helpers/event-reader.js';
import { reportReliability } from '../helpers/fault-report.js';
import {
  OWN,
  SHARED,
  intruderOpArb,
  intruderPoints,
  runIntruderOp,
  seen,
  type Target,
} from '../helpers/fuzz-isolation-ops.js';
import { NatsServer } from '../helpers/nats-server.js';
import { startTestStack, tenantKey, uniqueName } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const STREAM = 'VECTORADMIN_EVENTS';
const SERVER_FAULTS = new Set([status.INTERNAL, status.UNKNOWN, status.UNAVAILABLE]);

/** Counts the victim's own calls: each unary call is exactly one event under its subject. */
function counted(api: VectorAdminApi): { api: VectorAdminApi; calls: () => number } {
  let calls = 0;
  const wrapped = Object.fromEntries(
    Object.entries(api).map(([name, fn]) => [
      name,
      (request: unknown) => {
        calls += 1;
        return (fn as (r: unknown) => Promise<unknown>)(request);
      },
    ]),
  ) as VectorAdminApi;
  return { api: wrapped, calls: () => calls };
}

/** Everything the victim can observe of its own data, in a comparable form. */
async function snapshot(api: VectorAdminApi, tables: readonly string[]): Promise<unknown> {
  const listed = await api.listCollections({ tenantId: '' });
  const state: Record<string, unknown> = {
    list: listed.collections.map((c) => [c.name, c.table, String(c.pointsCount)]).sort(),
  };
  for (const table of tables) {
    const { points } = await api.search({
      tenantId: '',
      table,
      vector: { kind: { $case: 'dense', value: { values: [1, 1, 1, 1] } } },
      limit: 100,
      filter: undefined,
      withPayload: true,
    });
    state[table] = points.map((p) => [String(plainId(p.id)), JSON.stringify(p.payload)]).sort();
  }
  return state;
}

test('isolation - no sequence of calls with one tenant key reads, counts, finds, lists, changes or deletes another tenant data, nor reaches its events', async () => {
  await using nats = await NatsServer.start();
  const intruder = uniqueName('iso');
  // The victim's id extends the intruder's: the closest a name can come to a collision.
  const victim = `${intruder}-v`;
  await using stack = await startTestStack({
    tenants: [intruder, victim],
    natsUrl: nats.url,
    env: { VECTORADMIN_EVENTS_STREAM: STREAM },
  });
  const target: Target = {
    victim,
    tables: ['docs', 'common', `vonly_${intruder.slice(-6)}`],
    secret: `secret-${Math.random().toString(36).slice(2)}`,
    recordIds: ['row-1', 'row-2', 'row-3'],
  };
  const [docs, common, vonly] = target.tables as [string, string, string];
  const victimApi = counted(stack.api(tenantKey(victim)));
  const victimPoints = (from: number, count: number): pb.Point[] =>
    Array.from({ length: count }, (_, i) => ({
      id:
        i < target.recordIds.length && from === 0
          ? wireId({ recordId: target.recordIds[i]! })
          : wireId(from + i),
      vector: { kind: { $case: 'dense', value: { values: [1, (from + i) % 5, 0.5, 0.25] } } },
      payload: { owner: victim, secret: target.secret, n: from + i },
    }));
  // The operator (admin key) sets the shared table up; both tenants join it.
  await stack.api().ensureCollection({ tenantId: 'operator', table: common, config: SHARED });
  for (const [table, config, points] of [
    [docs, OWN, victimPoints(0, 20)],
    [vonly, OWN, victimPoints(100, 5)],
    [common, SHARED, victimPoints(0, 10)],
  ] as const) {
    await victimApi.api.createCollection({ tenantId: '', table, config });
    await victimApi.api.upsert({ tenantId: '', table, seq: 1n, points, autoCreate: undefined });
  }
  const intruderApi = stack.api(tenantKey(intruder));
  const intruderConnection = stack.connection(tenantKey(intruder));
  for (const [table, config] of [
    [docs, OWN],
    [common, SHARED],
  ] as const)
    await intruderApi.upsert({
      tenantId: '',
      table,
      seq: 1n,
      points: intruderPoints(intruder, 0, 5),
      autoCreate: config,
    });
  const before = await snapshot(victimApi.api, target.tables);

  let ops = 0;
  let sequences = 0;
  const codes: Record<string, number> = {};
  await fc.assert(
    fc.asyncProperty(
      fc.array(intruderOpArb(target), { minLength: 1, maxLength: 15 }),
      async (sequence) => {
        sequences += 1;
        for (const op of sequence) {
          ops += 1;
          const got = await runIntruderOp(intruderApi, intruderConnection, intruder, target, op);
          codes[status[got.code]] = (codes[status[got.code]] ?? 0) + 1;
          const text = seen(got);
          const what = `${JSON.stringify(op)} -> ${status[got.code]} ${text.slice(0, 300)}`;
          assert.ok(!SERVER_FAULTS.has(got.code), what);
          assert.ok(!text.includes(target.secret), `saw the victim's payload: ${what}`);
          assert.ok(
            !text.includes(`client_${victim}_`),
            `saw the victim's collection names: ${what}`,
          );
          if (!op.tenantId.includes(victim))
            assert.ok(!text.includes(victim), `saw the victim's id: ${what}`);
          if (op.tenantId !== '') assert.equal(got.code, status.PERMISSION_DENIED, what);
          if (got.code !== status.OK) continue;
          const value = got.value as {
            points?: pb.ScoredPoint[];
            count?: bigint;
            collections?: pb.Collection[];
          };
          for (const hit of value.points ?? []) assert.equal(hit.payload?.owner, intruder, what);
          for (const c of value.collections ?? []) assert.equal(c.tenantId, intruder, what);
          // Every filter the intruder uses but "no filter" targets the victim's points only.
          if (op.arg % 5 !== 0 && op.rpc === 'count') assert.equal(value.count, 0n, what);
          if (op.arg % 5 !== 0 && op.rpc === 'search') assert.deepEqual(value.points, [], what);
        }
        assert.deepEqual(
          await snapshot(victimApi.api, target.tables),
          before,
          "the victim's data is as it was",
        );
      },
    ),
    { numRuns: 50, includeErrorInReport: true },
  );

  // Events: the victim's subject carries exactly the victim's own calls; the intruder's events
  // stay under its own subject and never mention the victim.
  const victimCalls = victimApi.calls();
  const events = await waitFor(
    async () => {
      const all = await readAllEvents(nats.url, STREAM, victimCalls + ops);
      return all.filter((e) => e.data.tenant_id === victim).length >= victimCalls ? all : undefined;
    },
    { timeoutMs: 30_000, reason: 'the events of both tenants' },
  );
  const victimEvents = events.filter((e) => e.subject.startsWith(`vectoradmin.v1.${victim}.`));
  assert.equal(victimEvents.length, victimCalls, "only the victim's own calls are on its subject");
  const operatorEvents = events.filter((e) => e.subject.startsWith('vectoradmin.v1.operator.'));
  assert.equal(operatorEvents.length, 1, 'the operator set up the shared table');
  const intruderEvents = events.filter(
    (e) => !victimEvents.includes(e) && !operatorEvents.includes(e),
  );
  assert.ok(
    intruderEvents.length >= ops,
    `an event for every intruder call (${intruderEvents.length}/${ops})`,
  );
  for (const e of intruderEvents) {
    assert.equal(e.data.tenant_id, intruder);
    assert.ok(e.subject.startsWith(`vectoradmin.v1.${intruder}.`), e.subject);
    const json = JSON.stringify(e);
    assert.ok(!json.includes(victim) && !json.includes(target.secret), json);
  }
  await reportReliability({
    kind: 'isolation',
    test: 'one tenant key against another tenant',
    what: `${sequences} random sequences of up to 15 calls (all eleven RPCs incl. streams) with the intruder's key, aimed at the victim's id and look-alikes, its own and shared table names, ids, owner and secret values, and the reserved _va_tenant key`,
    checked:
      "no response carries the victim's payload, collection names or id; other tenant ids are PERMISSION_DENIED; victim-targeted counts are 0 and searches empty; the victim's list, counts and search results unchanged after every sequence; victim subject events = victim calls; intruder events never mention the victim",
    figures: {
      sequences,
      calls: ops,
      ...codes,
      intruderEvents: intruderEvents.length,
      victimEvents: victimEvents.length,
    },
  });
});
