import type { Config } from '../config/index.js';
import { VectorAdminError } from '../domain/index.js';
import { AppliedLog } from './applied-log.js';
import { checkpointPath, readCheckpoint } from './checkpoint-store.js';
import { durableName } from './partition.js';
import { SummaryState } from './summary-state.js';
import { compareSummaries, type Summary } from './summary.js';

/** The consumer's saved state, or a fresh one when it has none. */
export interface RestoredState {
  readonly applied: AppliedLog;
  readonly summary: SummaryState;
  readonly restored: boolean;
}

/** The state of a consumer that has applied nothing yet. */
export function freshState(config: Config): RestoredState {
  return {
    applied: new AppliedLog(),
    summary: new SummaryState(config.consumer.summaryWindowMs),
    restored: false,
  };
}

/**
 * Loads the checkpoint of the configured consumer. Throws failed_precondition when it was
 * made for another stream or summary window: its summaries would not mean what the config
 * says, and `consume --replay` rebuilds them.
 */
export async function restoreState(config: Config, stream: string): Promise<RestoredState> {
  const file = checkpointPath(
    config.dataDir,
    durableName(config.consumer.name, config.consumer.partition),
  );
  const checkpoint = await readCheckpoint(file);
  const windowMs = config.consumer.summaryWindowMs;
  if (checkpoint === undefined) return freshState(config);
  if (checkpoint.stream !== stream) {
    throw new VectorAdminError(
      'failed_precondition',
      `checkpoint ${file} is for stream ${checkpoint.stream}, not ${stream}; rebuild it with consume --replay`,
    );
  }
  if (checkpoint.summary.windowMs !== windowMs) {
    throw new VectorAdminError(
      'failed_precondition',
      `checkpoint ${file} has ${checkpoint.summary.windowMs} ms summary windows, not ${windowMs}; rebuild it with consume --replay`,
    );
  }
  return {
    applied: AppliedLog.fromJSON(checkpoint.applied),
    summary: SummaryState.fromJSON(checkpoint.summary),
    restored: true,
  };
}

/** Every partition's saved summaries, merged, and the partitions that have none. */
export interface SavedSummaries {
  readonly summaries: Summary[];
  /** Durable names of partitions without a checkpoint in this data dir. */
  readonly missing: string[];
}

/**
 * The summaries the configured consumer has saved (cumulative and per window, in a stable
 * order); empty when it has not run yet. Reads `<dataDir>/consumer/<name>/checkpoint.json`,
 * so it needs the consumer's data dir, not NATS. With several partitions it merges every
 * partition's checkpoint found there: each tenant's summaries live in exactly one of them.
 */
export async function readSavedSummaries(config: Config): Promise<SavedSummaries> {
  const { name, partition } = config.consumer;
  const summaries: Summary[] = [];
  const missing: string[] = [];
  for (let index = 0; index < partition.count; index += 1) {
    const durable = durableName(name, { index, count: partition.count });
    const checkpoint = await readCheckpoint(checkpointPath(config.dataDir, durable));
    if (checkpoint === undefined) missing.push(durable);
    else summaries.push(...SummaryState.fromJSON(checkpoint.summary).summaries());
  }
  return { summaries: summaries.sort(compareSummaries), missing };
}

/** The merged summaries of `readSavedSummaries`. */
export async function readSummaries(config: Config): Promise<Summary[]> {
  return (await readSavedSummaries(config)).summaries;
}
