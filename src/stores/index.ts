export {
  createEmbeddedVectorStore,
  DEFAULT_CACHE_BYTES,
  EmbeddedVectorStore,
} from './embedded-vector-store.js';
export type { EmbeddedVectorStoreOptions } from './embedded-vector-store.js';
export { createQdrantVectorStore, QdrantVectorStore } from './qdrant-vector-store.js';
export type { QdrantVectorStoreOptions, QdrantWriteOrdering } from './qdrant-vector-store.js';
export { openEmbeddedAppendFloor } from './embedded-append-floor.js';
