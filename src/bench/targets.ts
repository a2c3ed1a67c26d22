import type { Baselines, MemoryReport, TargetResult } from './report.js';

/** Ingest with events on must reach this fraction of the direct in-process baseline. */
export const INGEST_VS_DIRECT_TARGET = 0.8;
/** Server RSS must stay under this while streaming the full-profile volume. */
export const SERVER_RSS_TARGET_MB = 512;
/** The volume the RSS target is defined at. */
export const RSS_TARGET_VECTORS = 1_000_000;

/** The project's targets against this run's figures; shortfalls say by how much. */
export function evaluateTargets(
  baselines: Baselines | undefined,
  memory: MemoryReport,
  vectors: number,
  dims: number,
): TargetResult[] {
  const ratio = baselines?.ratios.service_vs_direct;
  const ingest: TargetResult =
    ratio === undefined || baselines?.direct === undefined
      ? {
          name: 'ingest vs direct',
          target: `>= ${INGEST_VS_DIRECT_TARGET}x the direct in-process baseline (events on, embedded store)`,
          measured: 'not measured (needs the self-contained stack)',
          status: 'not measured',
        }
      : {
          name: 'ingest vs direct',
          target: `>= ${INGEST_VS_DIRECT_TARGET}x the direct in-process baseline (events on, embedded store)`,
          measured: `${ratio}x (${baselines.service.vectors_per_s} vs ${baselines.direct.vectors_per_s} vectors/s)`,
          status: ratio >= INGEST_VS_DIRECT_TARGET ? 'met' : 'missed',
          ...(ratio >= INGEST_VS_DIRECT_TARGET
            ? {}
            : {
                shortfall: `${Math.round((1 - ratio / INGEST_VS_DIRECT_TARGET) * 1000) / 10}% below target: needs ${Math.ceil(INGEST_VS_DIRECT_TARGET * baselines.direct.vectors_per_s)} vectors/s, has ${baselines.service.vectors_per_s}`,
              }),
        };
  const peak = memory.server_peak_rss_primary_ingest_mb;
  const atScale = vectors >= RSS_TARGET_VECTORS && dims >= 1536;
  const target = `server RSS < ${SERVER_RSS_TARGET_MB} MB while streaming ${RSS_TARGET_VECTORS.toLocaleString('en-US')} vectors of 1,536 dims`;
  const rss: TargetResult =
    peak === undefined
      ? {
          name: 'server RSS',
          target,
          measured: 'not measured (needs the self-contained stack on Linux)',
          status: 'not measured',
        }
      : !atScale
        ? {
            name: 'server RSS',
            target,
            measured: `peak ${peak} MB at ${vectors.toLocaleString('en-US')} × ${dims} (run --full to measure the target volume)`,
            status: 'not measured',
          }
        : {
            name: 'server RSS',
            target,
            measured: `peak ${peak} MB`,
            status: peak < SERVER_RSS_TARGET_MB ? 'met' : 'missed',
            ...(peak < SERVER_RSS_TARGET_MB
              ? {}
              : {
                  shortfall: `${Math.round((peak - SERVER_RSS_TARGET_MB) * 10) / 10} MB over (${Math.round((peak / SERVER_RSS_TARGET_MB - 1) * 1000) / 10}%)`,
                }),
          };
  return [ingest, rss];
}
