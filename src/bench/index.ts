export { runBench } from './run-bench.js';
export type { RunOptions } from './run-bench.js';
export type { BaselineStores } from './direct-baseline.js';
export { Encoding, ETL_TABLES, PROFILES, Profile } from './profiles.js';
export type { BenchOptions } from './profiles.js';
export { renderMarkdown } from './report-markdown.js';
export { renderHtml } from './report-html.js';
export { writeReport } from './write-report.js';
export type { ReportFiles } from './write-report.js';
export { INGEST_VS_DIRECT_TARGET, SERVER_RSS_TARGET_MB } from './targets.js';
export type {
  AccountingRow,
  Baselines,
  BenchReport,
  CrossCheck,
  ScenarioResult,
  TargetResult,
} from './report.js';
