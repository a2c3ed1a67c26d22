import { Operation } from '../domain/index.js';
import { seconds, tallied, type BenchContext } from './context.js';
import { summaryKey, type RunSummaries } from './cross-check.js';
import type { IngestedCollection } from './ingest-scenario.js';
import type { AccountingRow, ScenarioResult } from './report.js';

/** Points stored per collection, as GetCollection reports them (the store's exact count). */
export async function readStored(
  ctx: BenchContext,
  collections: readonly IngestedCollection[],
): Promise<Map<string, number>> {
  const stored = new Map<string, number>();
  for (const { table, collection } of collections) {
    const described = await tallied(
      ctx,
      Operation.GetCollection,
      collection,
      () => ctx.api.getCollection({ tenantId: table.tenantId, table: table.table }),
      // The service's event carries the count it reported.
      (c) => Number(c.pointsCount),
    );
    stored.set(collection, Number(described.pointsCount));
  }
  return stored;
}

/**
 * Exact accounting per collection: points acknowledged to the client, points the store holds
 * and points the upsert events carried (from the consumer; skipped when there is none). Ids
 * are unique within a run, so all three must be equal.
 */
export function accounting(
  collections: readonly IngestedCollection[],
  stored: ReadonlyMap<string, number>,
  summaries: RunSummaries | undefined,
  startedMs: number,
): { readonly rows: AccountingRow[]; readonly result: ScenarioResult } {
  const rows = collections.map(({ scenario, collection, acked }): AccountingRow => {
    const held = stored.get(collection) ?? 0;
    const evented =
      summaries === undefined
        ? null
        : (summaries.get(summaryKey(Operation.Upsert, collection))?.points ?? 0);
    return {
      scenario,
      collection,
      acked,
      stored: held,
      evented,
      match: acked === held && (evented === null || evented === acked),
    };
  });
  const mismatches = rows.filter((r) => !r.match);
  const total = (pick: (r: AccountingRow) => number | null) =>
    rows.reduce((sum, r) => sum + (pick(r) ?? 0), 0);
  return {
    rows,
    result: {
      test_name: 'accounting',
      success: mismatches.length === 0,
      duration: seconds(performance.now() - startedMs),
      records_processed: rows.length,
      vectors_created: 0,
      errors: mismatches.map(
        (r) =>
          `${r.collection}: acked ${r.acked}, stored ${r.stored}, evented ${r.evented ?? 'n/a'}`,
      ),
      metrics: {
        collections: rows.length,
        acked: total((r) => r.acked),
        stored: total((r) => r.stored),
        evented: summaries === undefined ? null : total((r) => r.evented),
        events_checked: summaries !== undefined,
      },
    },
  };
}
