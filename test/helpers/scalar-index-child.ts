// A process whose embedded store builds the id indexes of three tables at once, for the test of
// scalar index builds under a small LanceDB memory pool (the test sets LANCE_MEM_POOL_SIZE).
// Prints one JSON line: the errors the store logged and each table's index names.
// Usage: node --import tsx scalar-index-child.ts <dataDir>
import { connect } from '@lancedb/lancedb';
import type { Point } from '../../src/domain/types.js';
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import type { LogFields, Logger } from '../../src/domain/logger.js';

const ROWS = 20_000;
const [dataDir] = process.argv.slice(2) as [string];
const errors: string[] = [];
const logger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: (message: string, fields?: LogFields) => {
    errors.push(`${message}: ${String(fields?.['err'])}`);
  },
  child: () => logger,
};
// No vector index: only the id indexes, due once a table holds ROWS points.
const store = await createEmbeddedVectorStore({
  dataDir,
  logger,
  index: { thresholdRows: 10 * ROWS, idIndexRows: ROWS, builder: 'inline' },
});
const names = ['scalar_a', 'scalar_b', 'scalar_c'];
const points = (offset: number): Point[] =>
  Array.from({ length: ROWS }, (_, i) => ({
    id: i + 1,
    vector: Float32Array.of(1, (i + offset) % 7, 2, 3),
    payload: {},
  }));
for (const name of names) await store.createCollection(name, { vectorSize: 4, distance: 'euclid' });
// Each table one point short of its id index, then the last points at once: the builds all
// become due within a few milliseconds.
for (const [t, name] of names.entries()) await store.upsert(name, points(t).slice(1));
await Promise.all(names.map((name, t) => store.upsert(name, points(t).slice(0, 1))));
await Promise.all(names.map((name) => store.maintenanceSettled(name)));
await store.close();

const db = await connect(dataDir);
const indexes: Record<string, string[]> = {};
for (const name of names) {
  const table = await db.openTable(name);
  indexes[name] = (await table.listIndices()).map((i) => i.name);
  table.close();
}
db.close();
process.stdout.write(`${JSON.stringify({ errors, indexes })}\n`);
