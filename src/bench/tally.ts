import { entryOf, type Operation } from '../domain/index.js';
import { LatencyRecorder } from './latency.js';

/** What the bench itself saw of one operation on one collection. */
export interface TallyEntry {
  ops: number;
  errors: number;
  points: number;
  readonly latency: LatencyRecorder;
}

/**
 * The client-side count of every call the bench made to the service under test, keyed like
 * the consumer's summaries (operation × collection), for the cross-check.
 */
export class ClientTally {
  private readonly entries = new Map<Operation, Map<string, TallyEntry>>();

  /** Counts one operation; `latencyMs` is what the client waited. */
  record(
    operation: Operation,
    collection: string,
    outcome: { readonly latencyMs: number; readonly points?: number; readonly error?: boolean },
  ): void {
    const byCollection = entryOf(this.entries, operation, () => new Map<string, TallyEntry>());
    const entry = entryOf(byCollection, collection, () => ({
      ops: 0,
      errors: 0,
      points: 0,
      latency: new LatencyRecorder(),
    }));
    entry.ops += 1;
    entry.points += outcome.points ?? 0;
    if (outcome.error === true) entry.errors += 1;
    entry.latency.record(outcome.latencyMs);
  }

  operations(): Operation[] {
    return [...this.entries.keys()].sort();
  }

  /** Entries of one operation by collection. */
  of(operation: Operation): ReadonlyMap<string, TallyEntry> {
    return this.entries.get(operation) ?? new Map<string, TallyEntry>();
  }

  /** One operation summed over its collections. */
  total(operation: Operation): TallyEntry {
    const sum: TallyEntry = { ops: 0, errors: 0, points: 0, latency: new LatencyRecorder() };
    for (const entry of this.of(operation).values()) {
      sum.ops += entry.ops;
      sum.errors += entry.errors;
      sum.points += entry.points;
      sum.latency.addAll(entry.latency);
    }
    return sum;
  }
}
