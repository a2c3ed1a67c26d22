import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  Operation,
  VectorAdminError,
  hasErrorCode,
  validateTenantId,
} from '../../src/domain/index.js';
import {
  ALERTS_SUBJECT,
  EVENTS_SUBJECT_WILDCARD,
  SUMMARIES_SUBJECT_WILDCARD,
  eventSubject,
  parseEventSubject,
  summarySubject,
} from '../../src/events/index.js';

const operations = Object.values(Operation);
const tenantArb = fc
  .stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/)
  .filter((t) => t !== 'summaries' && t !== 'alerts');
const tableArb = fc.stringMatching(/^[a-z][a-z0-9_]{0,20}$/);
const operationArb = fc.constantFrom(...operations);

// NATS subject matching: `*` matches one token, `>` one or more trailing tokens.
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

test('subjects - an event subject is vectoradmin.v1.<tenant>.<table>.<operation>', () => {
  assert.equal(eventSubject('acme', 'docs', Operation.Upsert), 'vectoradmin.v1.acme.docs.upsert');
  for (const operation of operations) {
    assert.equal(
      eventSubject('t-1', 'work_items', operation),
      `vectoradmin.v1.t-1.work_items.${operation}`,
    );
  }
});

test('subjects - tenant-wide operations use _ for the table', () => {
  assert.equal(
    eventSubject('acme', '', Operation.ListCollections),
    'vectoradmin.v1.acme._.list_collections',
  );
});

test('subjects - tenants and tables that are not valid become _, so no input escapes its token', () => {
  assert.equal(eventSubject('_', '', Operation.Search), 'vectoradmin.v1._._.search');
  for (const bad of ['a.b', '*', '>', 'a b', '', 'UPPER', 'summaries', 'alerts', 'x'.repeat(64)]) {
    assert.equal(eventSubject(bad, 'docs', Operation.Count), 'vectoradmin.v1._.docs.count', bad);
  }
  for (const bad of ['a.b', '*', '>', 'a b', '_', '1abc', 'a-b', 'x'.repeat(64)]) {
    assert.equal(eventSubject('acme', bad, Operation.Count), 'vectoradmin.v1.acme._.count', bad);
  }
  fc.assert(
    fc.property(fc.string(), fc.string(), operationArb, (tenant, table, operation) => {
      const tokens = eventSubject(tenant, table, operation).split('.');
      assert.equal(tokens.length, 5);
      assert.ok(tokens[2] === tenant || tokens[2] === '_');
      assert.ok(tokens[3] === table || tokens[3] === '_');
      assert.ok(tokens.every((t) => t !== '*' && t !== '>' && !/\s/.test(t)));
    }),
    { numRuns: 2000 },
  );
});

test('subjects - an unknown operation is an internal error', () => {
  assert.throws(
    () => eventSubject('acme', 'docs', 'drop_everything' as Operation),
    (err) => hasErrorCode(err, 'internal'),
  );
});

test("subjects - tenant A's events never match tenant B's subjects", () => {
  fc.assert(
    fc.property(
      tenantArb,
      tenantArb,
      fc.option(tableArb, { nil: '' }),
      operationArb,
      (a, b, table, op) => {
        fc.pre(a !== b);
        const subject = eventSubject(a, table, op);
        assert.ok(matches(`vectoradmin.v1.${a}.>`, subject));
        assert.ok(!matches(`vectoradmin.v1.${b}.>`, subject));
      },
    ),
    { numRuns: 2000 },
  );
});

test('subjects - parseEventSubject inverts eventSubject and refuses other subjects', () => {
  fc.assert(
    fc.property(
      tenantArb,
      fc.option(tableArb, { nil: '' }),
      operationArb,
      (tenantId, table, operation) => {
        assert.deepEqual(parseEventSubject(eventSubject(tenantId, table, operation)), {
          tenantId,
          table,
          operation,
        });
      },
    ),
  );
  for (const other of [
    ALERTS_SUBJECT,
    summarySubject('run-1'),
    'vectoradmin.v1.a.b.nope',
    'other.v1.a.b.upsert',
    'vectoradmin.v1.summaries.b.upsert',
  ]) {
    assert.equal(parseEventSubject(other), undefined, other);
  }
});

test('subjects - the events wildcard matches every event subject and no summary or alert subject', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), operationArb, (tenant, table, operation) => {
      assert.ok(matches(EVENTS_SUBJECT_WILDCARD, eventSubject(tenant, table, operation)));
    }),
  );
  fc.assert(
    fc.property(fc.stringMatching(/^[A-Za-z0-9-]{1,30}$/), (key) => {
      assert.ok(!matches(EVENTS_SUBJECT_WILDCARD, summarySubject(key)));
      assert.ok(matches(SUMMARIES_SUBJECT_WILDCARD, summarySubject(key)));
    }),
  );
  assert.ok(!matches(EVENTS_SUBJECT_WILDCARD, ALERTS_SUBJECT));
  assert.ok(!matches(SUMMARIES_SUBJECT_WILDCARD, ALERTS_SUBJECT));
});

test('subjects - a summary key must be one subject token', () => {
  assert.equal(summarySubject('acme'), 'vectoradmin.v1.summaries.acme');
  for (const bad of ['', 'a.b', '*', '>', 'a b']) {
    assert.throws(
      () => summarySubject(bad),
      (err) => err instanceof VectorAdminError && err.code === 'invalid_argument',
      bad,
    );
  }
});

test('subjects - tenant ids that alias the consumer subjects are reserved', () => {
  for (const reserved of ['summaries', 'alerts']) {
    assert.throws(
      () => validateTenantId(reserved),
      (err) => hasErrorCode(err, 'invalid_argument'),
      reserved,
    );
  }
});
