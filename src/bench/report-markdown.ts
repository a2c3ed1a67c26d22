import type { BenchReport, ScenarioResult } from './report.js';
import { scaleSections, table } from './report-scale.js';
import type { SearchLevel } from './search-levels.js';

/** The report as Markdown: what the command prints and writes as report.md. */
export function renderMarkdown(report: BenchReport): string {
  const o = report.options;
  const out: string[] = [
    `# vector-admin bench: ${report.interrupted ? 'INTERRUPTED' : report.success ? 'all scenarios passed' : 'SOME SCENARIOS FAILED'}`,
    '',
    `Run \`${report.run_id}\` (${report.mode}, profile \`${o.profile}\`), ${report.started_at} to ${report.finished_at}.`,
    `${report.environment.cpus} × ${report.environment.cpu_model}, ${report.environment.total_memory_mb} MB RAM, Node ${report.environment.node}, ${report.environment.platform}; load average ${report.environment.load_average_start.join(' ')} at the start, ${report.environment.load_average_end.join(' ')} at the end.`,
    ...storeSettingsLine(report.environment.store_settings),
    `Primary ingest: ${o.vectors.toLocaleString('en-US')} vectors × ${o.dims} dims, batch ${o.batchSize}, window ${o.window}.`,
    '',
    ...report.notes.map((n) => `- ${n}`),
    '',
    '## Targets',
    '',
    table(
      ['target', 'measured', 'status', 'shortfall'],
      report.targets.map((t) => [
        t.target,
        t.measured,
        t.status === 'missed' ? '**missed**' : t.status,
        t.shortfall ?? '',
      ]),
    ),
    '',
    '## Scenarios',
    '',
    table(
      ['test_name', 'success', 'duration s', 'records', 'vectors', 'errors', 'key figures'],
      report.scenarios.map((s) => [
        s.test_name,
        s.success ? 'yes' : '**NO**',
        s.duration.toFixed(2),
        String(s.records_processed),
        String(s.vectors_created),
        String(s.errors.length),
        keyFigures(s),
      ]),
    ),
  ];
  const failures = report.scenarios.filter((s) => s.errors.length > 0);
  if (failures.length > 0) {
    out.push('', '### Errors', '');
    for (const s of failures)
      for (const e of s.errors.slice(0, 5)) out.push(`- ${s.test_name}: ${e}`);
  }
  out.push(...scaleSections(report));
  const b = report.baselines;
  if (b !== undefined) {
    const fig = (f: typeof b.service | undefined) =>
      f === undefined
        ? ['-', '-', '-']
        : [String(f.vectors_per_s), String(f.mb_per_s), String(f.seconds)];
    out.push(
      '',
      '## Baselines (same batches, same run)',
      '',
      "When the ceiling is near the client-alone rate, the ceiling is the bench client's limit on this machine, not the transport's.",
      '',
      table(
        ['path', 'vectors/s', 'MB/s', 'seconds', 'service ÷ this'],
        [
          ['service: UpsertStream, events on', ...fig(b.service), '1'],
          ['direct: store adapter in-process', ...fig(b.direct), ratio(b.ratios.service_vs_direct)],
          [
            `store floor: LanceDB add, no merge (direct ÷ floor ${ratio(b.ratios.direct_vs_floor)})`,
            ...fig(b.floor),
            ratio(
              b.floor === undefined || b.floor.vectors_per_s === 0
                ? undefined
                : Math.round((b.service.vectors_per_s / b.floor.vectors_per_s) * 1000) / 1000,
            ),
          ],
          ['service, events off', ...fig(b.events_off), ratio(b.ratios.events_on_vs_off)],
          ['ceiling: no-op gRPC sink', ...fig(b.ceiling), ratio(b.ratios.service_vs_ceiling)],
          [
            `bench client alone: build + encode, no I/O (${b.client_only.vectors} rows)`,
            ...fig(b.client_only),
            '-',
          ],
        ],
      ),
    );
  }
  out.push(
    '',
    '## Accounting (acked = stored = evented)',
    '',
    table(
      ['scenario', 'collection', 'acked', 'stored', 'evented', 'match'],
      report.accounting.map((r) => [
        r.scenario,
        r.collection,
        String(r.acked),
        String(r.stored),
        r.evented === null ? 'n/a' : String(r.evented),
        r.match ? 'yes' : '**NO**',
      ]),
    ),
    '',
    '## Cross-check: bench vs consumer summaries',
    '',
  );
  const c = report.cross_check;
  if (!c.available) out.push(`Consumer not available: ${c.reason ?? 'unknown'}.`);
  else {
    out.push(
      `The consumer accounted for the run ${c.complete === true ? 'completely' : '**incompletely**'} ${c.waited_ms ?? 0} ms after the last call.`,
      '',
      table(
        [
          'operation',
          'bench ops',
          'consumer ops',
          'diff',
          'bench points',
          'consumer points',
          'diff',
          'bench errors',
          'consumer errors',
        ],
        c.operations.map((r) => [
          r.operation,
          String(r.client_ops),
          String(r.consumer_ops),
          signed(r.diff_ops),
          String(r.client_points),
          String(r.consumer_points),
          signed(r.diff_points),
          String(r.client_errors),
          String(r.consumer_errors),
        ]),
      ),
      '',
      'Latency: the bench waits for the network and decoding as well, the server measures its own work; a bench upsert is timed from handing the batch to the stream to its ack, so it includes waiting behind up to window − 1 earlier batches.',
      '',
      table(
        [
          'operation',
          'collection',
          'ops',
          'bench p50 ms',
          'server p50 ms',
          'bench p99 ms',
          'server p99 ms',
        ],
        c.latency.map((r) => [
          r.operation,
          r.collection,
          String(r.ops),
          String(r.client_p50_ms),
          String(r.server_p50_ms),
          String(r.client_p99_ms),
          String(r.server_p99_ms),
        ]),
      ),
    );
  }
  const m = report.memory;
  out.push(
    '',
    '## Peak RSS',
    '',
    table(
      ['process', 'peak RSS MB'],
      [
        ['server, after the primary ingest', mb(m.server_peak_rss_primary_ingest_mb)],
        [
          'server, after the primary ingest, its index and the searches',
          mb(m.server_peak_rss_primary_mb),
        ],
        ['server, whole run', mb(m.server_peak_rss_mb)],
        ['consumer, whole run', mb(m.consumer_peak_rss_mb)],
      ],
    ),
  );
  if (report.skipped.length > 0) {
    out.push('', '## Skipped', '', ...report.skipped.map((s) => `- ${s}`));
  }
  return `${out.join('\n')}\n`;
}

function keyFigures(s: ScenarioResult): string {
  const m = s.metrics;
  if (typeof m.vectors_per_s === 'number') return `${m.vectors_per_s} vectors/s`;
  if (Array.isArray(m.levels)) {
    const levels = (m.levels as SearchLevel[]).filter((l) => l.mode === 'indexed');
    const curve = levels.map(
      (l) => `c${l.concurrency}: ${l.qps} QPS p50 ${l.latency.p50_ms} p99 ${l.latency.p99_ms} ms`,
    );
    return `${curve.join('; ')}; recall@10 ${String(m.recall_at_10_min)}`;
  }
  if (s.test_name === 'probe' && typeof m.steps === 'object' && m.steps !== null) {
    const steps = Object.entries(m.steps as Record<string, { duration: number; success: boolean }>);
    return steps
      .map(
        ([name, step]) => `${name} ${step.duration.toFixed(3)} s${step.success ? '' : ' FAILED'}`,
      )
      .join(', ');
  }
  if (typeof m.caught_up === 'boolean')
    return `${m.caught_up ? 'caught up' : 'not caught up'} after ${String(m.wait_s)} s`;
  const create = m.create_collection as { latency?: { p50_ms: number } } | undefined;
  if (create?.latency !== undefined) {
    const p50 = (op: string) => (m[op] as { latency: { p50_ms: number } }).latency.p50_ms;
    return `p50 create ${p50('create_collection')} / ensure ${p50('ensure_collection')} / delete ${p50('delete_collection')} ms`;
  }
  if (typeof m.acked === 'number' && typeof m.stored === 'number') {
    const evented = typeof m.evented === 'number' ? String(m.evented) : 'n/a';
    return `${m.acked} acked, ${m.stored} stored, ${evented} evented`;
  }
  return '';
}

function ratio(value: number | undefined): string {
  return value === undefined ? '-' : `${value}x`;
}

function signed(value: number): string {
  return value > 0 ? `+${value}` : String(value);
}

function mb(value: number | undefined): string {
  return value === undefined ? 'not measured' : String(value);
}

function storeSettingsLine(settings: Readonly<Record<string, string>>): string[] {
  const entries = Object.entries(settings);
  if (entries.length === 0) return [];
  return ['', `Store settings: ${entries.map(([name, value]) => `${name}=${value}`).join(', ')}.`];
}
