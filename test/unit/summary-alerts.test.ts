import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SummaryState, evaluateAlerts, type AlertRules } from '../../src/consumer/index.js';
import { cloudEvent } from '../helpers/consumer-events.js';

const WINDOW_MS = 10_000;
const RULES: AlertRules = { errorRate: 0.25, p99Ms: 100, idleMs: 5000 };
const NOW = Date.UTC(2026, 0, 1, 12, 0, 5);

function windowsOf(...events: ReturnType<typeof cloudEvent>[]) {
  const state = new SummaryState(WINDOW_MS);
  for (const e of events) state.apply(e);
  return state.currentSummaries();
}

const ok = (ms: number, at = NOW - 1000) => cloudEvent({ startedAt: new Date(at), durationMs: ms });
const failed = (at = NOW - 1000) =>
  cloudEvent({ startedAt: new Date(at), outcome: 'error', grpcCode: 'UNAVAILABLE' });

test('summary alerts - error rate above the threshold fires once per window and key', () => {
  const fired = new Set<string>();
  const summaries = windowsOf(ok(1), ok(1), failed());
  const input = { nowMs: NOW, summaries, openStreams: 0, lastEventAtMs: NOW };
  const alerts = evaluateAlerts(input, RULES, fired);
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0]?.rule, 'error_rate');
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
