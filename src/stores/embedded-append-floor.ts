import { connect } from '@lancedb/lancedb';
import type { CollectionConfig, Point } from '../domain/index.js';
import { batchTable, collectionSchema, upsertColumns } from './lance-arrow.js';
import { payloadColumns } from './lance-payload-columns.js';

/**
 * The embedded store's floor: LanceDB `add` of batches prepared as the adapter prepares them
 * (same schema, same columns), with no merge on id, no index and no queue. An upsert cannot
 * cost less than this append, which is what the bench measures it against.
 */
export async function openEmbeddedAppendFloor(
  dataDir: string,
  collection: string,
  config: CollectionConfig,
) {
  const db = await connect(dataDir);
  try {
    const schema = collectionSchema(config);
    const lance = await db.createEmptyTable(collection, schema);
    const columns = payloadColumns(schema, config);
    return {
      append: async (points: readonly Point[]) => {
        await lance.add(batchTable(schema, upsertColumns(points, config, columns)));
      },
      count: (): Promise<number> => lance.countRows(),
      close: (): void => {
        lance.close();
        db.close();
      },
    };
  } catch (err) {
    db.close();
    throw err;
  }
}
