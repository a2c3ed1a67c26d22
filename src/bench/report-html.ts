import { markdownToHtml } from './markdown-html.js';
import { renderMarkdown } from './report-markdown.js';
import type { BenchReport } from './report.js';
import { barChart, escapeXml, lineChart } from './svg-chart.js';

const STYLE = `body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#111827}
table{border-collapse:collapse;margin:1em 0;font-size:13px}td,th{border:1px solid #d1d5db;padding:4px 8px;text-align:left}
th{background:#f3f4f6}code{background:#f3f4f6;padding:0 3px}.charts svg{display:block;margin:1.5em 0}
.empty{color:#6b7280;font-style:italic}details{margin:1em 0}pre{background:#f9fafb;padding:1em;overflow:auto;font-size:12px}`;

/**
 * The report as one self-contained HTML page: the Markdown summary as tables plus inline SVG
 * charts (throughput over time, latency percentiles, concurrency curves, RSS). No scripts, no
 * CDN: it opens offline and can be attached to a CI run as is.
 */
export function renderHtml(report: BenchReport): string {
  const c = report.charts;
  const charts = [
    lineChart({
      title: 'Ingest throughput over time (same batches)',
      xLabel: 'seconds since the stream started',
      yLabel: 'vectors/s',
      series: c.throughput,
    }),
    barChart({
      title: 'Ingest batch latency (send to ack)',
      xLabel: '',
      yLabel: 'ms',
      categories: c.latency.map((l) => l.group),
      groups: [
        { name: 'p50', values: c.latency.map((l) => l.p50_ms) },
        { name: 'p95', values: c.latency.map((l) => l.p95_ms) },
        { name: 'p99', values: c.latency.map((l) => l.p99_ms) },
      ],
    }),
    lineChart({
      title: 'Search throughput vs concurrency',
      xLabel: 'concurrent searches',
      yLabel: 'queries/s',
      series: [{ name: 'QPS', points: c.concurrency.map((p) => [p.concurrency, p.qps] as const) }],
    }),
    lineChart({
      title: 'Search latency vs concurrency',
      xLabel: 'concurrent searches',
      yLabel: 'ms',
      series: [
        { name: 'p50', points: c.concurrency.map((p) => [p.concurrency, p.p50_ms] as const) },
        { name: 'p99', points: c.concurrency.map((p) => [p.concurrency, p.p99_ms] as const) },
      ],
    }),
    lineChart({
      title: 'Resident memory (RSS) over the run',
      xLabel: 'seconds since the stack started',
      yLabel: 'MiB',
      series: c.rss,
    }),
  ];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>vector-admin bench ${escapeXml(report.run_id)}</title>
<style>${STYLE}</style></head><body>
${markdownToHtml(renderMarkdown(report))}
<h2>Charts</h2><div class="charts">${charts.join('\n')}</div>
<details><summary>report.json</summary><pre>${escapeXml(JSON.stringify(report, null, 2))}</pre></details>
</body></html>
`;
}
