import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../config/index.js';
import { readSummaries, type Summary } from '../consumer/index.js';
import { Operation } from '../domain/index.js';
import type { CrossCheck, CrossCheckRow, LatencyCrossCheckRow } from './report.js';
import type { ClientTally } from './tally.js';

/** The consumer's cumulative summaries of this run, keyed `operation|collection`. */
export type RunSummaries = ReadonlyMap<string, Summary>;

/** The key of a summary or tally entry. */
export function summaryKey(operation: string, collection: string): string {
  return `${operation}|${collection}`;
}

/**
 * Polls the consumer's checkpoint until its summaries account for every call the bench
 * counted (or `timeoutMs` passes) and returns them with how long that took.
 */
export async function awaitConsumer(
  consumerConfig: Config,
  runPrefix: string,
  tally: ClientTally,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ summaries: RunSummaries; waitedMs: number; complete: boolean }> {
  const started = performance.now();
  for (;;) {
    const summaries = await runSummaries(consumerConfig, runPrefix);
    const complete = tally
      .operations()
      .every((operation) =>
        [...tally.of(operation)].every(
          ([collection, entry]) =>
            (summaries.get(summaryKey(operation, collection))?.operations ?? 0) >= entry.ops,
        ),
      );
    const waitedMs = performance.now() - started;
    if (complete || waitedMs > timeoutMs || signal.aborted)
      return { summaries, waitedMs, complete };
    await sleep(250);
  }
}

async function runSummaries(config: Config, runPrefix: string): Promise<RunSummaries> {
  let all: Summary[];
  try {
    all = await readSummaries(config);
  } catch {
    return new Map(); // a checkpoint being replaced; the next poll reads it
  }
  const merged = new Map<string, Summary>();
  for (const s of all) {
    if (s.scope !== 'cumulative' || !s.tenant_id.startsWith(`${runPrefix}-`)) continue;
    // A stream's opening names its tenant but no collection: the run's tenants share that key.
    const key = summaryKey(s.operation, s.collection);
    const seen = merged.get(key);
    merged.set(
      key,
      seen === undefined
        ? s
        : {
            ...seen,
            operations: seen.operations + s.operations,
            points: seen.points + s.points,
            errors: seen.errors + s.errors,
          },
    );
  }
  return merged;
}

/** The client's counts beside the consumer's, per operation, and latencies per collection. */
export function crossCheck(
  tally: ClientTally,
  summaries: RunSummaries,
  waitedMs: number,
  complete: boolean,
): CrossCheck {
  const operations = new Set<string>(tally.operations());
  for (const s of summaries.values()) operations.add(s.operation);
  const rows: CrossCheckRow[] = [];
  for (const operation of [...operations].sort()) {
    const client = tally.total(operation as Operation);
    let ops = 0;
    let points = 0;
    let errors = 0;
    for (const s of summaries.values()) {
      if (s.operation !== operation) continue;
      ops += s.operations;
      points += s.points;
      errors += s.errors;
    }
    rows.push({
      operation,
      client_ops: client.ops,
      consumer_ops: ops,
      diff_ops: ops - client.ops,
      client_points: client.points,
      consumer_points: points,
      diff_points: points - client.points,
      client_errors: client.errors,
      consumer_errors: errors,
    });
  }
  const latency: LatencyCrossCheckRow[] = [];
  for (const operation of [Operation.Upsert, Operation.Search]) {
    for (const [collection, entry] of tally.of(operation)) {
      const summary = summaries.get(summaryKey(operation, collection));
      if (summary === undefined) continue;
      const client = entry.latency.stats();
      latency.push({
        operation,
        collection,
        ops: entry.ops,
        client_p50_ms: client.p50_ms,
        server_p50_ms: round3(summary.latency_ms.p50),
        client_p99_ms: client.p99_ms,
        server_p99_ms: round3(summary.latency_ms.p99),
      });
    }
  }
  return { available: true, waited_ms: Math.round(waitedMs), complete, operations: rows, latency };
}

function round3(value: number): number {
  return Math.round(value * 1000) / 1000;
}
