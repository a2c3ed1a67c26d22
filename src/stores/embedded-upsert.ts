import type { Table } from '@lancedb/lancedb';
import type { Table as ArrowTable } from 'apache-arrow';
import type { CommitRows } from './embedded-compaction.js';
import type { KnownIds } from './embedded-known-ids.js';
import { idIn } from './lance-sql.js';

/**
 * Writes one batch, already deduplicated by id. A batch whose ids are all new is appended:
 * LanceDB's merge costs about twice an append and its process keeps memory in proportion to
 * what it merged, which an append does not (docs/BENCHMARKS.md, "Appends for new ids"), and a
 * bulk load is mostly new ids. The known-ids filter settles most checks in memory; the rest
 * read the id column, through the id index where it covers the table. The caller runs one
 * write at a time per table, so nothing is written between the check and the append.
 */
export async function writeBatch(
  table: Table,
  knownIds: KnownIds,
  ids: readonly string[],
  batch: ArrowTable,
): Promise<CommitRows> {
  const noneStored = knownIds.noneStored(ids);
  knownIds.record(ids);
  if (noneStored || !(await anyStored(table, ids))) {
    await table.add(batch);
    return { inserted: ids.length, updated: 0, deleted: 0 };
  }
  const result = await table
    .mergeInsert('id')
    .whenMatchedUpdateAll()
    .whenNotMatchedInsertAll()
    .execute(batch);
  return {
    inserted: result.numInsertedRows,
    updated: result.numUpdatedRows,
    deleted: result.numDeletedRows,
  };
}

async function anyStored(table: Table, ids: readonly string[]): Promise<boolean> {
  const found = await table.query().where(idIn(ids)).select(['id']).limit(1).toArray();
  return found.length > 0;
}
