import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import fc from 'fast-check';
import type { VectorAdminApi } from '../../src/client/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { reportReliability } from '../helpers/fault-report.js';
import { lifecycleCall, outcome, type Outcome } from '../helpers/fuzz-grpc.js';
import {
  startTestStack,
  tenantKey,
  uniqueName,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

const NUM_RUNS = 300;
const config = { vectorSize: 4, distance: Distance.DISTANCE_COSINE, tenancy: 0 };

// The naming contract (proto comments and README), restated: tenant ids are 1-63 of a-z, 0-9
// and "-" starting with a letter or digit, not "summaries" or "alerts"; tables are 1-63 of
// a-z, 0-9 and "_" starting with a letter.
const validTenant = (t: string) =>
  /^[a-z0-9][a-z0-9-]{0,62}$/.test(t) && t !== 'summaries' && t !== 'alerts';
const validTable = (t: string) => /^[a-z][a-z0-9_]{0,62}$/.test(t);

const OPS = ['create', 'ensure', 'get', 'delete', 'list', 'count'] as const;
type Op = (typeof OPS)[number];

function nameArb(valid: RegExp, pool: readonly string[], odd: readonly string[]) {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...pool) },
    fc.stringMatching(valid),
    fc.constantFrom(...odd),
    fc.string({ unit: 'grapheme', maxLength: 70 }),
    fc.string({ unit: 'binary', maxLength: 20 }),
  );
}

function call(api: VectorAdminApi, op: Op, tenantId: string, table: string): Promise<Outcome> {
  if (op === 'count')
    return outcome(api.count({ tenantId, table, filter: undefined, exact: true }));
  return lifecycleCall(api, op, tenantId, table, config);
}

describe('fuzz names', () => {
  const own = uniqueName('fuzz-names');
  const tenantPool = [own, `${own}-x`, 'a', '0'];
  const tablePool = ['docs', 'a_b', 'x', 'docs_2'];
  let stack: TestStack;
  before(async () => {
    stack = await startTestStack({ tenants: [own] });
  });
  after(async () => {
    await stack[Symbol.asyncDispose]();
  });

  test('fuzz names - any tenant id and table name: the right status naming the field, nothing created for a bad name', async () => {
    const apis = { admin: stack.api(), own: stack.api(tenantKey(own)) };
    const model = new Set<string>();
    const tally: Record<string, number> = { runs: 0 };
    const tenantArb = nameArb(/^[a-z0-9][a-z0-9-]{0,62}$/, tenantPool, [
      '',
      'summaries',
      'alerts',
      '-a',
      'A',
      'a_b',
      'a'.repeat(63),
      'a'.repeat(64),
      'é',
      'a b',
      'a.b',
      '*',
      '>',
      'a\u0000',
      ' a',
    ]);
    const tableArb = nameArb(/^[a-z][a-z0-9_]{0,62}$/, tablePool, [
      '',
      '1a',
      '_a',
      'A',
      'a-b',
      'a'.repeat(63),
      'a'.repeat(64),
      'a.b',
      'a b',
      'é',
      '*',
      'a\n',
    ]);
    const request = fc.record({
      caller: fc.constantFrom('admin', 'own'),
      op: fc.constantFrom(...OPS),
      tenantId: fc.oneof(tenantArb, fc.constant('')),
      table: tableArb,
    });
    await fc.assert(
      fc.asyncProperty(request, async ({ caller, op, tenantId, table }) => {
        tally.runs! += 1;
        const got = await call(apis[caller], op, tenantId, table);
        tally[status[got.code]] = (tally[status[got.code]] ?? 0) + 1;
        const refused = (code: status, field?: string) => {
          assert.equal(got.code, code, got.details);
          assert.ok(got.details.length > 0, 'the status says what is wrong');
          if (field !== undefined) assert.deepEqual(got.fields, [field]);
        };
        if (caller === 'own' && tenantId !== '' && tenantId !== own)
          return refused(status.PERMISSION_DENIED);
        const tenant = caller === 'own' ? own : tenantId;
        if (!validTenant(tenant)) return refused(status.INVALID_ARGUMENT, 'tenant_id');
        if (op === 'list') {
          assert.equal(got.code, status.OK, got.details);
          const listed = (got.value as { collections: { name: string }[] }).collections;
          const mine = [...model].filter((n) => n.startsWith(`client_${tenant}_`)).sort();
          assert.deepEqual(
            listed.map((c) => c.name),
            mine,
            'exactly the tenant own collections',
          );
          return;
        }
        if (!validTable(table)) return refused(status.INVALID_ARGUMENT, 'table');
        const name = `client_${tenant}_${table}`;
        const existed = model.has(name);
        const expected: Record<Exclude<Op, 'list'>, status> = {
          create: existed ? status.ALREADY_EXISTS : status.OK,
          ensure: status.OK,
          get: existed ? status.OK : status.NOT_FOUND,
          delete: status.OK,
          count: existed ? status.OK : status.NOT_FOUND,
        };
        assert.equal(got.code, expected[op], got.details);
        if (op === 'create' || op === 'ensure') model.add(name);
        if (op === 'delete') {
          assert.equal((got.value as { deleted: boolean }).deleted, existed);
          model.delete(name);
        }
      }),
      { numRuns: NUM_RUNS, includeErrorInReport: true },
    );
    // The service's own collections (shared tables, registry) start with the prefix plus "_".
    const stored = (await stack.service.store.listCollections('client_')).filter(
      (n) => !n.startsWith('client__'),
    );
    assert.deepEqual(stored, [...model].sort(), 'the store holds exactly what was created');
    await reportReliability({
      kind: 'input',
      test: 'tenant ids and table names over the collection RPCs',
      what: 'valid, pooled, reserved, over-long, upper-case, unicode, binary and control-character names, with the admin key and a tenant key',
      checked:
        "PERMISSION_DENIED for another tenant, INVALID_ARGUMENT naming tenant_id or table, the model's answer otherwise; the store holds exactly the model's collections",
      figures: { ...tally, storedCollections: stored.length },
    });
  });
});
