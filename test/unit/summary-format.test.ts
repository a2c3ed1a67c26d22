import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SummaryState, formatSummaries, type Summary } from '../../src/consumer/index.js';
import { cloudEvent } from '../helpers/consumer-events.js';

const START = Date.UTC(2026, 0, 1, 0, 0, 0);

function summaries(): Summary[] {
  const state = new SummaryState(60_000);
  state.apply(
    cloudEvent({ startedAt: new Date(START), durationMs: 2, collection: 'client_acme_a|b' }),
  );
  state.apply(
    cloudEvent({ startedAt: new Date(START + 500), durationMs: 4, operation: 'search', points: 5 }),
  );
  return state.summaries();
}

test('summary format - json is the summaries array itself', () => {
  const s = summaries();
  assert.deepEqual(JSON.parse(formatSummaries(s, 'json')), s);
});

test('summary format - table has a header and one aligned row per summary', () => {
  const lines = formatSummaries(summaries(), 'table').trimEnd().split('\n');
  assert.equal(lines.length, 1 + 4, 'header + 2 cumulative + 2 window rows');
  assert.match(lines[0] ?? '', /^window\s+operation\s+tenant\s+collection\s+ops\s+errors/);
  assert.match(lines[0] ?? '', /p50 ms\s+p95 ms\s+p99 ms\s+max ms$/);
  assert.match(lines[1] ?? '', /^cumulative\s+search\s+acme\s+client_acme_docs\s+1\s+0\s+0\.00/);
  const ends = new Set(lines.map((l) => l.length));
  assert.equal(ends.size, 1, 'right-aligned numbers end in one column');
});

test('summary format - markdown is a table with escaped pipes', () => {
  const lines = formatSummaries(summaries(), 'markdown').trimEnd().split('\n');
  assert.equal(lines.length, 2 + 4);
  assert.match(lines[1] ?? '', /^\| --- \| --- \| --- \| --- \| ---: \|/);
  assert.ok(lines.some((l) => l.includes('client_acme_a\\|b')));
  for (const line of lines) assert.equal(line.split(/(?<!\\)\|/).length, 18, `16 columns: ${line}`);
});

test('summary format - an empty table says so', () => {
  assert.equal(formatSummaries([], 'table'), 'no summaries yet\n');
});
