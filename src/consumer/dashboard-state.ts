import type { Alert } from './alert-rules.js';
import type { DashboardState } from './dashboard-server.js';
import type { EventConsumer } from './event-consumer.js';
import type { EventProcessor } from './event-processor.js';
import type { Partition } from './partition.js';

/** What the dashboard state is built from. */
export interface DashboardSources {
  readonly name: string;
  readonly stream: string;
  readonly partition: Partition;
  readonly processor: EventProcessor;
  readonly consumer: EventConsumer;
  readonly alerts: readonly Alert[];
}

/** The dashboard's view: per-second series, cumulative and latest-window summaries, alerts. */
export function buildDashboardState(sources: DashboardSources): DashboardState {
  const { processor } = sources;
  const summary = processor.summary;
  return {
    generated_at: new Date().toISOString(),
    consumer: {
      name: sources.name,
      stream: sources.stream,
      ...processor.stats,
      partition: `${sources.partition.index}/${sources.partition.count}`,
      contiguous_seq: processor.applied.contiguousSeq,
      stream_pending: sources.consumer.streamPending,
      open_streams: summary.openStreamCount(),
      streams_ended_by_restart: summary.endedByRestartCount(),
    },
    series: summary.series('second'),
    minute_series: summary.series('minute'),
    summaries: summary.currentSummaries(),
    alerts: sources.alerts,
  };
}
