import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SummaryState, evaluateAlerts, type AlertRules } from '../../src/consumer/index.js';
import { cloudEvent } from '../helpers/consumer-events.js';

const WINDOW_MS = 10_000;
const RULES: AlertRules = {
  serverErrorRate: 0.25,
  authFailures: 3,
  minOps: 1,
  p99Ms: 100,
  idleMs: 5000,
  probeMs: 2000,
};
const NOW = Date.UTC(2026, 0, 1, 12, 0, 5);

function windowsOf(...events: ReturnType<typeof cloudEvent>[]) {
  const state = new SummaryState(WINDOW_MS);
  for (const e of events) state.apply(e);
  return state.currentSummaries();
}

const ok = (ms: number, at = NOW - 1000) => cloudEvent({ startedAt: new Date(at), durationMs: ms });
const failed = (at = NOW - 1000) =>
  cloudEvent({ startedAt: new Date(at), outcome: 'error', grpcCode: 'UNAVAILABLE' });

test('summary alerts - server error rate above the threshold fires once per window and key', () => {
  const fired = new Set<string>();
  const summaries = windowsOf(ok(1), ok(1), failed());
  const input = { nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW };
  const alerts = evaluateAlerts(input, RULES, fired);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.rule, 'server_error_rate');
  assert.equal(alerts[0]?.tenant_id, 'acme');
  assert.equal(alerts[0]?.value, 1 / 3);
  assert.deepEqual(evaluateAlerts(input, RULES, fired), [], 'not again for the same window');
});

test('summary alerts - at the threshold nothing fires', () => {
  const summaries = windowsOf(ok(1), ok(1), ok(1), failed());
  assert.deepEqual(
    evaluateAlerts({ nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW }, RULES, new Set()),
    [],
  );
});

test('summary alerts - p99 above the threshold fires', () => {
  const summaries = windowsOf(ok(5), ok(250));
  const alerts = evaluateAlerts(
    { nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW },
    RULES,
    new Set(),
  );
  assert.deepEqual(
    alerts.map((a) => a.rule),
    ['p99'],
  );
  assert.ok((alerts[0]?.value ?? 0) >= 250);
});

test('summary alerts - windows long past are not judged (replays raise no old alerts)', () => {
  const old = NOW - 3 * WINDOW_MS;
  const summaries = windowsOf(failed(old), ok(500, old));
  assert.deepEqual(
    evaluateAlerts({ nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW }, RULES, new Set()),
    [],
  );
});

test('summary alerts - idle fires once per quiet period, only while streams are open', () => {
  const fired = new Set<string>();
  const quiet = { nowMs: NOW, summaries: [], lastEventAtMs: NOW - 6000 };
  assert.deepEqual(evaluateAlerts({ ...quiet, openStreams: 0 }, RULES, fired), []);
  assert.deepEqual(
    evaluateAlerts({ ...quiet, openStreams: 2 }, RULES, fired).map((a) => a.rule),
    ['idle'],
  );
  assert.deepEqual(
    evaluateAlerts({ ...quiet, openStreams: 2, nowMs: NOW + 1000 }, RULES, fired),
    [],
  );
  const later = { nowMs: NOW + 20_000, summaries: [], lastEventAtMs: NOW + 10_000, openStreams: 1 };
  assert.deepEqual(
    evaluateAlerts(later, RULES, fired).map((a) => a.rule),
    ['idle'],
    'a new quiet period alerts again',
  );
  assert.deepEqual(
    evaluateAlerts({ ...later, nowMs: NOW + 12_000 }, RULES, new Set()),
    [],
    'not before idleMs',
  );
});

const refused = (grpcCode: string, tenantId = 'acme', at = NOW - 1000) =>
  cloudEvent({ startedAt: new Date(at), outcome: 'error', grpcCode, tenantId });

test("summary alerts - client errors are the caller's: one ALREADY_EXISTS fires nothing", () => {
  const summaries = windowsOf(refused('ALREADY_EXISTS'));
  assert.equal(summaries.find((s) => s.scope === 'window')?.error_rate, 1);
  assert.equal(summaries.find((s) => s.scope === 'window')?.server_error_rate, 0);
  const input = { nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW };
  assert.deepEqual(evaluateAlerts(input, RULES, new Set()), []);
});

test('summary alerts - a window with fewer than minOps operations is too small to judge', () => {
  const summaries = windowsOf(failed(), failed(), ok(500));
  const input = { nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW };
  assert.deepEqual(evaluateAlerts(input, { ...RULES, minOps: 4 }, new Set()), []);
  assert.deepEqual(
    evaluateAlerts(input, { ...RULES, minOps: 3 }, new Set()).map((a) => a.rule),
    ['server_error_rate', 'p99'],
  );
});

test('summary alerts - a burst of refused credentials fires once per tenant and window', () => {
  const fired = new Set<string>();
  const summaries = windowsOf(
    refused('UNAUTHENTICATED', ''),
    cloudEvent({
      startedAt: new Date(NOW - 900),
      operation: 'search',
      outcome: 'error',
      grpcCode: 'UNAUTHENTICATED',
      tenantId: '',
    }),
    refused('UNAUTHENTICATED', ''),
    refused('PERMISSION_DENIED', 'acme'),
  );
  const input = { nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW };
  const alerts = evaluateAlerts(input, RULES, fired);
  assert.deepEqual(
    alerts.map((a) => [a.rule, a.tenant_id, a.value, a.threshold]),
    [['auth_failures', '', 3, 3]],
    'summed over operations; acme has only one',
  );
  assert.match(alerts[0]?.message ?? '', /auth_failures: 3 calls of unauthenticated callers/);
  assert.deepEqual(evaluateAlerts(input, RULES, fired), []);
});

test('summary alerts - the message names the rule, the key, the value and the threshold', () => {
  const summaries = windowsOf(failed(), failed(), ok(1), ok(1));
  const [alert] = evaluateAlerts(
    { nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW },
    RULES,
    new Set(),
  );
  assert.match(
    alert?.message ?? '',
    /^server_error_rate: upsert on acme\/client_acme_docs: 2 of 4 .*\(50\.0%, threshold 25\.0%\)/,
  );
});

const probeRun = (ms: number, outcome: 'ok' | 'error' = 'ok', grpcCode = 'OK') =>
  cloudEvent({
    operation: 'performance_test',
    tenantId: 'ops',
    table: 'performance_probe',
    collection: 'client_ops_performance_probe',
    startedAt: new Date(NOW - 1000),
    durationMs: ms,
    outcome,
    grpcCode,
  });

test('summary alerts - one failed probe run fires probe_failed, naming rule, key, value and threshold', () => {
  const fired = new Set<string>();
  const rules = { ...RULES, minOps: 10, serverErrorRate: 1 };
  const input = {
    nowMs: NOW,
    summaries: windowsOf(probeRun(50), probeRun(80, 'error', 'UNAVAILABLE')),
    openStreams: 0,
    lastEventAtMs: NOW,
  };
  const alerts = evaluateAlerts(input, rules, fired);
  assert.deepEqual(
    alerts.map((a) => [a.rule, a.value, a.threshold, a.tenant_id, a.collection]),
    [['probe_failed', 1, 0, 'ops', 'client_ops_performance_probe']],
    'below min_ops: one run is enough',
  );
  assert.match(
    alerts[0]?.message ?? '',
    /^probe_failed: probe on ops\/client_ops_performance_probe: 1 of 2 runs failed \(threshold 0\)/,
  );
  assert.deepEqual(evaluateAlerts(input, rules, fired), [], 'once per window');
});

test('summary alerts - a probe run slower than the threshold fires probe_slow; a refused call does not fail the probe', () => {
  const refused = probeRun(1, 'error', 'PERMISSION_DENIED');
  const alerts = evaluateAlerts(
    {
      nowMs: NOW,
      summaries: windowsOf(probeRun(2500), refused),
      openStreams: 0,
      lastEventAtMs: NOW,
    },
    { ...RULES, minOps: 10 },
    new Set(),
  );
  assert.deepEqual(
    alerts.map((a) => [a.rule, a.value, a.threshold]),
    [['probe_slow', 2500, 2000]],
  );
  assert.match(alerts[0]?.message ?? '', /slowest run 2500 ms of 2 \(threshold 2000 ms\)/);
  assert.deepEqual(
    evaluateAlerts(
      { nowMs: NOW, summaries: windowsOf(probeRun(1999)), openStreams: 0, lastEventAtMs: NOW },
      RULES,
      new Set(),
    ),
    [],
    'at or under the threshold nothing fires',
  );
});

test('summary alerts - an event standing for many refused calls counts every one of them', () => {
  const aggregated = cloudEvent({
    startedAt: new Date(NOW - 900),
    operation: 'search',
    outcome: 'error',
    grpcCode: 'UNAUTHENTICATED',
    tenantId: '',
    table: '',
    collection: '',
    durationMs: 0.5,
    calls: 40,
  });
  assert.equal(aggregated.data.calls, 40);
  const summaries = windowsOf(aggregated);
  assert.deepEqual(
    summaries.map((s) => [s.scope, s.operations, s.errors, s.auth_failures]),
    [
      ['cumulative', 40, 40, 40],
      ['window', 40, 40, 40],
    ],
  );
  const input = { nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW };
  const alerts = evaluateAlerts(input, RULES, new Set());
  assert.deepEqual(
    alerts.map((a) => [a.rule, a.tenant_id, a.value]),
    [['auth_failures', '', 40]],
  );
});
