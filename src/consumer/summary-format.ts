import type { Summary } from './summary.js';

/** The output formats of `vector-admin summary`. */
export const SummaryFormat = { Table: 'table', Json: 'json', Markdown: 'markdown' } as const;
export type SummaryFormat = (typeof SummaryFormat)[keyof typeof SummaryFormat];

const HEADERS = [
  'window',
  'operation',
  'tenant',
  'collection',
  'ops',
  'errors',
  'err %',
  'ops/s',
  'points/s',
  'MB/s',
  'min ms',
  'mean ms',
  'p50 ms',
  'p95 ms',
  'p99 ms',
  'max ms',
];
// Text columns are left-aligned, numbers right-aligned.
const TEXT_COLUMNS = 4;

/** Renders summaries as an aligned text table, JSON (an array) or a Markdown table. */
export function formatSummaries(summaries: readonly Summary[], format: SummaryFormat): string {
  if (format === 'json') return `${JSON.stringify(summaries, null, 2)}\n`;
  const rows = summaries.map(row);
  if (format === 'markdown') {
    const line = (cells: readonly string[]): string =>
      `| ${cells.map(escapeMarkdown).join(' | ')} |`;
    const rule = HEADERS.map((_, i) => (i < TEXT_COLUMNS ? '---' : '---:'));
    return `${[line(HEADERS), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n')}\n`;
  }
  if (rows.length === 0) return 'no summaries yet\n';
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const render = (cells: readonly string[]): string =>
    cells
      .map((cell, i) =>
        i < TEXT_COLUMNS ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return `${[render(HEADERS), ...rows.map(render)].join('\n')}\n`;
}

function row(s: Summary): string[] {
  const l = s.latency_ms;
  return [
    s.window_start ?? 'cumulative',
    s.operation,
    s.tenant_id || '-',
    s.collection || '-',
    String(s.operations),
    String(s.errors),
    (s.error_rate * 100).toFixed(2),
    rate(s.ops_per_s),
    rate(s.points_per_s),
    rate(s.mb_per_s),
    ...[l.min, l.mean, l.p50, l.p95, l.p99, l.max].map((ms) => ms.toFixed(3)),
  ];
}

function rate(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toFixed(2);
}

function escapeMarkdown(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}
