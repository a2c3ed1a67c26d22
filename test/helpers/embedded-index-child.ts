// A process that holds an embedded store whose collection is being indexed, for tests of what
// happens to the index builder when this process dies. Fills the collection past the index
// threshold (the build starts at once) and prints "filled"; then waits to be killed.
// Usage: node --import tsx embedded-index-child.ts <dataDir> <collection>
import { createEmbeddedVectorStore } from '../../src/stores/embedded-vector-store.js';
import { DIM, POLICY, clusteredPoints, upsertInBatches } from './embedded-index-fixture.js';

const [dataDir, name] = process.argv.slice(2) as [string, string];
const store = await createEmbeddedVectorStore({
  dataDir,
  index: { ...POLICY, builder: 'process', maxDeferMs: 0 },
});
await store.createCollection(name, { vectorSize: DIM, distance: 'cosine' });
await upsertInBatches(store, name, clusteredPoints(41, 700));
process.stdout.write('filled\n');
setInterval(() => undefined, 60_000);
