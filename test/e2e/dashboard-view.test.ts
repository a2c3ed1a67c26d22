import { isDeepStrictEqual } from 'node:util';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTelemetry, runConsumer } from '../../src/consumer/index.js';
import { OPERATION_COLORS, type DashboardView } from '../../src/consumer/dashboard-view.js';
import { silentLogger } from '../../src/logging/index.js';
import { eventRun, exactStats, publishEvents } from '../helpers/consumer-events.js';
import { startConsumerFixture } from '../helpers/consumer-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const SNAPSHOT_PNG = path.resolve(import.meta.dirname, '../../test-results/dashboard-snapshot.png');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];
const VIEWPORT = { width: 1240, height: 900 };
const TENANTS = ['acme', 'globex'];

/** Operation → colour as the page's legend shows it. */
function legendColors(page: Page): Promise<Record<string, string>> {
  return page.evaluate(
    "Object.fromEntries([...document.querySelectorAll('#legend span')].map((s) => [s.dataset.op, s.dataset.color]))",
  );
}

/** Each table row as the page shows it: its key, window and status class. */
function pageRows(page: Page): Promise<string[]> {
  return page.evaluate(
    "[...document.querySelectorAll('#summaries tr')].map((r) => [r.dataset.operation, r.dataset.tenant, r.dataset.collection, r.cells[0].textContent, r.className].join(' '))",
  );
}

function rowsOf(view: DashboardView): string[] {
  const current = view.rows[0]?.window_start;
  return view.rows.map((s) => {
    const status = s.server_errors > 0 ? 'server-errors' : s.errors > 0 ? 'errors' : 'ok';
    const when = s.window_start === undefined ? 'cumulative' : s.window_start.slice(11, 19);
    const cls = `${s.window_start !== undefined && s.window_start === current ? 'current ' : ''}${status}`;
    return [s.operation, s.tenant_id, s.collection, when, cls].join(' ');
  });
}

/** Operations the view's charts count, over every operation and bucket. */
function chartOps(view: DashboardView): number {
  return view.series.reduce((n, s) => n + s.points.reduce((m, p) => m + p.ops, 0), 0);
}

/** Data points the view's throughput chart has to draw. */
function chartPoints(view: DashboardView): string {
  return String(view.series.reduce((n, s) => n + s.points.length, 0));
}

test('dashboard view - fixed colours, ranges, filters, activity order and a snapshot that settles, in Chromium', async () => {
  await using fx = await startConsumerFixture('dashboard view');
  const now = Date.now();
  const all = eventRun(400, 91, now - 40_000, 100, TENANTS);
  const early = all.filter((e) => ['search', 'count'].includes(e.data.operation));
  const later = all.filter((e) => !['search', 'count'].includes(e.data.operation));
  // Half an hour old: inside the last hour, outside the last 5 minutes.
  const old = eventRun(30, 92, now - 30 * 60_000, 1000, ['initech']);
  await publishEvents(fx.js, [...old, ...early]);
  // Minute windows: the last 60 are kept, an hour.
  const config = fx.config({ VECTORADMIN_SUMMARY_WINDOW_MS: '60000' });
  const handle = await runConsumer(config, silentLogger, {
    telemetry: createTelemetry([]),
    tickMs: 100,
  });
  const base = `http://127.0.0.1:${handle.dashboardPort}`;
  const view = async (query: string): Promise<DashboardView> => {
    const res = await fetch(`${base}/snapshot.json?${query}`);
    assert.equal(res.status, 200, await res.clone().text());
    return (await res.json()) as DashboardView;
  };
  let browser: Browser | undefined;
  try {
    // Inside the try: a browser that fails to start must not leave the consumer running.
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
    await waitFor(() => handle.dashboard().consumer.contiguous_seq === old.length + early.length, {
      timeoutMs: 20_000,
      reason: 'the first events applied',
    });
    const page = await browser.newPage({ viewport: VIEWPORT });
    await page.goto(`${base}/?range=5m`);
    await page.waitForFunction("Number(document.querySelector('#throughput').dataset.points) > 0");
    const before = await legendColors(page);
    assert.deepEqual(Object.keys(before).sort(), ['count', 'search']);

    // New operations appear: the colours already shown stay, every one is its operation's own.
    await publishEvents(fx.js, later);
    await waitFor(async () => Object.keys(await legendColors(page)).length === 4, {
      timeoutMs: 20_000,
      reason: 'the later operations drawn',
    });
    await waitFor(() => handle.dashboard().consumer.contiguous_seq === old.length + all.length, {
      timeoutMs: 20_000,
      reason: 'every event applied',
    });
    const after = await legendColors(page);
    for (const [op, color] of Object.entries(before)) assert.equal(after[op], color, op);
    for (const [op, color] of Object.entries(after)) {
      assert.equal(color, OPERATION_COLORS[op as keyof typeof OPERATION_COLORS], op);
    }
    assert.deepEqual(
      JSON.parse((await page.getAttribute('#throughput', 'data-colors')) ?? '{}'),
      after,
      'the chart draws each operation in its legend colour',
    );

    // The table is the view for the page's query: current window first, by activity, each
    // row coloured by its status; the figures are that view's.
    // The page's last push can trail the snapshot (rows of one minute swap places as their
    // activity lands), so the two are compared until they agree.
    let fiveMinutes = await view('range=5m');
    await waitFor(
      async () => {
        fiveMinutes = await view('range=5m');
        return isDeepStrictEqual(await pageRows(page), rowsOf(fiveMinutes));
      },
      { timeoutMs: 10_000, reason: "the page shows the snapshot's rows in its order" },
    );
    assert.ok(
      rowsOf(fiveMinutes).some((r) => r.endsWith('server-errors')),
      'a failing row',
    );
    assert.ok(rowsOf(fiveMinutes)[0]?.includes('current'), 'the current window first');
    // The page shows its last push, which can trail a snapshot by a tick or read another
    // current window once a minute turns: the two are compared until they agree.
    await waitFor(
      async () =>
        (await page.textContent('#ingest')) ===
        (await view('range=5m')).ingest_vectors_per_s.toFixed(1),
      { timeoutMs: 10_000, reason: "the page shows the snapshot's ingest rate" },
    );
    assert.ok(fiveMinutes.ingest_vectors_per_s > 0);
    assert.deepEqual(
      fiveMinutes.p99_ms.map((p) => p.operation),
      ['count', 'delete_points', 'search', 'upsert'],
    );
    // Each p99 is that of every event of the current window shown, both tenants together.
    const currentStart = Date.parse(fiveMinutes.rows[0]?.window_start ?? '');
    for (const { operation, p99_ms } of fiveMinutes.p99_ms) {
      const events = all.filter(
        (e) =>
          e.data.operation === operation &&
          Date.parse(e.data.started_at) >= currentStart &&
          Date.parse(e.data.started_at) < currentStart + 60_000,
      );
      const exact = exactStats(events).p99Ms;
      assert.ok(
        Math.abs(p99_ms - exact) <= exact * 0.001 + 0.001,
        `${operation}: ${p99_ms} vs ${exact}`,
      );
    }
    assert.equal(chartOps(fiveMinutes), all.length, 'per second, every recent event');
    assert.equal(fiveMinutes.series_bucket_ms, 1000);

    // Ranges count back from the newest event: the tenant active half an hour ago only shows
    // in the last hour and in all.
    const tenantsOf = (v: DashboardView) => [...new Set(v.rows.map((s) => s.tenant_id))].sort();
    assert.deepEqual(tenantsOf(fiveMinutes), ['acme', 'globex']);
    assert.deepEqual(tenantsOf(await view('range=1h')), ['acme', 'globex', 'initech']);
    const everything = await view('range=all');
    assert.ok(everything.rows.some((s) => s.scope === 'cumulative'));
    assert.ok(!fiveMinutes.rows.some((s) => s.scope === 'cumulative'));
    await page.selectOption('#range', 'all');
    await waitFor(async () => (await pageRows(page)).length === everything.rows.length, {
      timeoutMs: 10_000,
      reason: 'the page switched to all',
    });

    // Filters: a tenant, then one of its collections; the URL keeps them.
    await page.selectOption('#tenant', 'globex');
    const globex = await view('range=all&tenant=globex');
    await waitFor(async () => (await pageRows(page)).length === globex.rows.length, {
      timeoutMs: 10_000,
      reason: 'the tenant filter applied',
    });
    assert.deepEqual(await pageRows(page), rowsOf(globex));
    assert.ok(globex.rows.every((s) => s.tenant_id === 'globex') && globex.rows.length > 0);
    assert.match(page.url(), /range=all&tenant=globex/);
    // The charts follow the filter and the range: globex's events only, per minute under all.
    assert.equal(globex.series_bucket_ms, 60_000);
    assert.equal(chartOps(globex), all.filter((e) => e.data.tenant_id === 'globex').length);
    assert.equal(await page.getAttribute('#throughput', 'data-points'), chartPoints(globex));
    assert.equal(await page.textContent('#throughput-scope'), 'tenant globex, per minute');
    await page.selectOption('#collection', 'client_globex_docs');
    await page.waitForURL(/collection=client_globex_docs/);

    // The tenant active half an hour ago has charts in the last hour, not in the last 5 minutes.
    const initech = await view('range=1h&tenant=initech');
    assert.equal(chartOps(initech), old.length, 'every event of the last hour');
    assert.equal(chartOps(await view('range=5m&tenant=initech')), 0);
    await page.goto(`${base}/?range=1h&tenant=initech`);
    await page.waitForFunction(
      `document.querySelector('#throughput').dataset.points === '${chartPoints(initech)}'`,
    );
    assert.equal(await page.textContent('#throughput-scope'), 'tenant initech, per minute');

    // The snapshot opens no connection, so the page settles (a live page never goes idle), and
    // the same snapshot renders to the same pixels. Alerts may still fire between two requests,
    // so one response is rendered twice.
    const snapshotUrl = `${base}/snapshot?range=5m&tenant=acme`;
    const shot = await browser.newPage({ viewport: VIEWPORT });
    await shot.goto(snapshotUrl, { waitUntil: 'networkidle' });
    assert.equal(await shot.getAttribute('body', 'data-mode'), 'snapshot');
    assert.deepEqual(await pageRows(shot), rowsOf(await view('range=5m&tenant=acme')));
    const html = await (await fetch(snapshotUrl)).text();
    await shot.setContent(html, { waitUntil: 'networkidle' });
    const first = await shot.screenshot();
    await shot.setContent(html, { waitUntil: 'networkidle' });
    const second = await shot.screenshot();
    assert.ok(first.equals(second), 'one snapshot gives the same pixels every time');
    await mkdir(path.dirname(SNAPSHOT_PNG), { recursive: true });
    await writeFile(SNAPSHOT_PNG, first);

    const bad = await fetch(`${base}/snapshot.json?range=2d`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /range must be one of 5m, 1h, all/);
  } finally {
    await browser?.close();
    await handle.stop();
  }
});
