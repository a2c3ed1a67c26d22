import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { PROFILES, renderMarkdown, type BenchReport } from '../../src/bench/index.js';
import { benchCommand } from '../../src/cli/bench-command.js';
import { loadConfig } from '../../src/config/index.js';

// The quick profile end to end in self-contained mode: server, consumer and sink in child
// processes, a spawned nats-server. Only accounting and report integrity are asserted, never
// timings: this test keeps the framework working, the figures are for people to read.
test(
  'bench - quick profile accounts for every point and writes parseable reports',
  { timeout: 180_000 },
  async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'bench-quick-test-'));
    const exitCodeBefore = process.exitCode;
    try {
      const printed: string[] = [];
      await benchCommand(
        // A work dir that does not exist yet: the bench makes it, as it does --out.
        ['--quick', '--out', path.join(dir, 'report'), '--work-dir', path.join(dir, 'work')],
        loadConfig({ VECTORADMIN_DATA_DIR: path.join(dir, 'data') }),
        (text) => printed.push(text),
      );
      assert.notEqual(process.exitCode, 1, 'benchCommand flagged a failed scenario');

      const report = JSON.parse(
        await readFile(path.join(dir, 'report', 'report.json'), 'utf8'),
      ) as BenchReport;
      const quick = PROFILES.quick;
      assert.equal(report.schema, 'vector-admin-bench/1');
      assert.equal(report.mode, 'self-contained');
      const failed = report.scenarios.filter((s) => !s.success);
      assert.deepEqual(failed, [], 'every scenario succeeds');
      assert.equal(report.success, true);
      const names = report.scenarios.map((s) => s.test_name);
      for (const name of [
        'collections',
        'probe',
        'ingest',
        'index_wait',
        'baseline_direct',
        'baseline_floor',
        'baseline_events_off',
        'baseline_ceiling',
        'ingest_f32le_b256',
        'ingest_dense_b256',
        'search',
        'concurrent_load',
        'accounting',
      ]) {
        assert.ok(names.includes(name), `scenario ${name} ran (got ${names.join(', ')})`);
      }

      // The service's probe ran its steps through the stack and found its known neighbours.
      const probe = report.scenarios.find((s) => s.test_name === 'probe');
      assert.ok(probe !== undefined && probe.vectors_created > 0, 'the probe wrote its points');
      const steps = probe.metrics.steps as Record<string, { success: boolean }>;
      assert.ok(Object.keys(steps).length >= 4, `probe steps: ${Object.keys(steps).join(', ')}`);
      assert.ok(Object.values(steps).every((step) => step.success));

      // Exact accounting: acked == stored == evented for every collection of the run.
      assert.ok(report.accounting.length >= 4);
      for (const row of report.accounting) {
        assert.equal(row.stored, row.acked, `${row.collection}: stored == acked`);
        assert.equal(row.evented, row.acked, `${row.collection}: evented == acked`);
        assert.equal(row.match, true);
      }
      const variants = quick.encodings.length * quick.batchSizes.length;
      const expected = quick.vectors + variants * quick.variantVectors + quick.concurrentVectors;
      assert.equal(
        report.accounting.reduce((sum, r) => sum + r.acked, 0),
        expected,
        'every generated point was acked',
      );
      const baselines = report.baselines;
      assert.ok(baselines !== undefined);
      for (const figure of [
        baselines.direct,
        baselines.floor,
        baselines.ceiling,
        baselines.events_off,
      ])
        assert.equal(figure?.vectors, quick.vectors, 'each baseline got the same batches');

      // The consumer's event-sourced summaries agree with the bench's own counts.
      const cross = report.cross_check;
      assert.equal(cross.available, true, cross.reason);
      assert.equal(cross.complete, true);
      assert.ok(cross.operations.some((r) => r.operation === 'upsert'));
      for (const row of cross.operations) {
        assert.equal(row.diff_ops, 0, `${row.operation}: ops agree`);
        assert.equal(row.diff_points, 0, `${row.operation}: points agree`);
      }
      // Search: every level indexed and exact, filtered at 1% and 10%, each scored for recall.
      const search = report.scenarios.find((s) => s.test_name === 'search');
      const levels = search?.metrics.levels as { mode: string; recall_at_10?: number }[];
      assert.deepEqual(
        levels.map((l) => l.mode),
        ['indexed', 'indexed', 'exact', 'exact', 'filtered_1pct', 'filtered_10pct'],
      );
      for (const level of levels) assert.ok((level.recall_at_10 ?? 0) >= 0.95, level.mode);
      // The warm-up's queries come before the levels and are reported apart (and evented).
      const warmup = search?.metrics.warmup as { queries: number; errors: number };
      assert.deepEqual([warmup.queries, warmup.errors], [quick.warmupQueries, 0]);
      assert.equal(report.index?.caught_up, true, 'the index watch saw green');
      const paths = report.ingest_segments.map((p) => p.segments.length);
      assert.deepEqual(paths.length, 3, 'service, direct and floor per segment');
      for (const count of paths) assert.ok(count >= 2, 'several segments each');
      assert.ok(report.targets.length >= 9);
      assert.ok((report.memory.server_peak_rss_mb ?? 0) > 0, 'server RSS measured');
      assert.ok((report.memory.consumer_peak_rss_mb ?? 0) > 0, 'consumer RSS measured');

      // report.md is what was printed; report.html stands alone with inline SVG charts.
      const markdown = await readFile(path.join(dir, 'report', 'report.md'), 'utf8');
      assert.equal(markdown, renderMarkdown(report));
      assert.ok(
        markdown.indexOf('## Targets') < markdown.indexOf('## Scenarios'),
        'the targets come first',
      );
      assert.match(
        markdown,
        /Before the levels, 5 queries with default params were answered one at a time/,
      );
      assert.deepEqual(printed, [markdown]);
      const html = await readFile(path.join(dir, 'report', 'report.html'), 'utf8');
      assert.match(html, /^<!doctype html>/);
      assert.match(html, /<\/html>\s*$/);
      const svgs = html.match(/<svg /g)?.length ?? 0;
      assert.ok(svgs >= 4, `charts drawn (${svgs})`);
      assert.equal(html.match(/<\/svg>/g)?.length, svgs, 'every svg is closed');
      assert.doesNotMatch(html, /<script|<link|\ssrc=/, 'nothing loaded from elsewhere');
      assert.doesNotMatch(html.replaceAll('http://www.w3.org/2000/svg', ''), /https?:\/\//);

      // The run's data dir (stores, NATS, logs) is removed unless --keep-data.
      const left = (await readdir(dir)).filter((name) => name.startsWith('vector-admin-bench-'));
      assert.deepEqual(left, []);
    } finally {
      process.exitCode = exitCodeBefore;
      await rm(dir, { recursive: true, force: true });
    }
  },
);
