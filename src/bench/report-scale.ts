import type { BenchReport, IndexSample } from './report.js';
import type { ExactVsIndexed, ScalingRatio } from './search-figures.js';
import type { SearchLevel, WarmupFigures } from './search-levels.js';

/** A Markdown table; pipes in cells are escaped. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(headers), `|${headers.map(() => ' --- ').join('|')}|`, ...rows.map(line)].join('\n');
}

/**
 * What scale needs, in the report: search on the primary collection per mode and level with
 * recall, the exact-vs-indexed and concurrency ratios, the index watch and the ingest rate per
 * segment of every path. Sections whose figures are missing (a failed or skipped part) say so.
 */
export function scaleSections(report: BenchReport): string[] {
  const out: string[] = [];
  const search = report.scenarios.find((s) => s.test_name === 'search')?.metrics;
  out.push('', '## Search on the primary collection', '');
  if (search === undefined || !Array.isArray(search.levels)) {
    out.push('Not measured: the search scenario did not run.');
  } else {
    const at = search.status_at_search as IndexSample | null;
    out.push(
      `${Number(search.points).toLocaleString('en-US')} points; at the first search the index was ${at === null ? 'unknown' : `${at.status}, ${at.indexed.toLocaleString('en-US')} of ${at.points.toLocaleString('en-US')} indexed`}. Recall@10 is scored on each level's first answers against brute force over the regenerated rows (${String(search.brute_force_s)} s); \`exact\` sends params.exact = true.`,
      '',
      table(
        ['mode', 'concurrency', 'queries', 'QPS', 'p50 ms', 'p99 ms', 'recall@10'],
        (search.levels as SearchLevel[]).map((l) => [
          l.mode,
          String(l.concurrency),
          String(l.queries),
          String(l.qps),
          String(l.latency.p50_ms),
          String(l.latency.p99_ms),
          l.recall_at_10 === undefined ? '-' : `${l.recall_at_10} (${l.recall_queries})`,
        ]),
      ),
    );
    out.push(...warmupLine(search.warmup as WarmupFigures | undefined));
    const exact = search.exact_vs_indexed as ExactVsIndexed[];
    const scaling = search.scaling as ScalingRatio[];
    if (exact.length > 0) {
      out.push(
        '',
        `Exact ÷ indexed, same run: ${exact.map((r) => `c${r.concurrency}: p50 ${r.p50_ratio}×, p99 ${r.p99_ratio}×, indexed QPS ${r.qps_ratio}× exact`).join('; ')}.`,
      );
    }
    if (scaling.length > 0) {
      out.push(
        '',
        `QPS c${scaling[0]?.to ?? '?'} ÷ c1: ${scaling.map((r) => `${r.mode} ${r.qps_ratio}×`).join(', ')}.`,
      );
    }
  }
  const index = report.index;
  out.push('', '## Vector index of the primary collection', '');
  if (index === undefined) out.push('Not measured: the primary ingest did not run.');
  else {
    const end = index.at_ingest_end;
    out.push(
      `At the end of the ingest: ${end === undefined ? 'unknown' : `${end.status}, ${end.indexed.toLocaleString('en-US')} of ${end.points.toLocaleString('en-US')} indexed`}; most points unindexed at once: ${index.max_lag.toLocaleString('en-US')}. ${index.caught_up ? 'Caught up' : '**Not caught up**'} (green) ${index.wait_s} s after the ingest (limit ${index.wait_limit_s} s).`,
    );
  }
  out.push('', '## Ingest rate per segment', '');
  if (report.ingest_segments.length === 0) out.push('Not measured: no ingest completed.');
  else {
    out.push(
      table(
        ['path', 'segment', 'first vectors/s', 'last vectors/s', 'last ÷ first', 'every segment'],
        report.ingest_segments.map((p) => {
          const full = p.segments.filter((s) => !s.partial);
          return [
            p.path,
            p.segment_vectors.toLocaleString('en-US'),
            String(full[0]?.vectors_per_s ?? '-'),
            String(full[full.length - 1]?.vectors_per_s ?? '-'),
            p.last_vs_first === undefined ? '-' : `${p.last_vs_first}×`,
            full.map((s) => String(Math.round(s.vectors_per_s))).join(', '),
          ];
        }),
      ),
    );
  }
  return out;
}

/** The warm-up's queries, which the levels above do not include. */
function warmupLine(warmup: WarmupFigures | undefined): string[] {
  if (warmup === undefined) return [];
  const failed = warmup.errors > 0 ? ` ${warmup.errors} failed.` : '';
  if (warmup.queries === 0)
    return ['', `No warm-up query was answered before the levels.${failed}`];
  const l = warmup.latency;
  return [
    '',
    `Before the levels, ${warmup.queries} queries with default params were answered one at a time (not counted above): the first took ${String(warmup.first_ms)} ms; p50 of all ${l.p50_ms} ms, max ${l.max_ms} ms.${failed}`,
  ];
}
