export { connect } from './connect.js';
export type { ConnectOptions, Connection } from './connect.js';
export { call, vectorAdminApi } from './collections.js';
export type { VectorAdminApi } from './collections.js';
export { streamUpserts } from './upsert-streamer.js';
export type { StreamBatch, StreamOptions, StreamResult } from './upsert-streamer.js';
export { DEFAULT_RETRY, isRetryable } from './retry.js';
export type { RetryPolicy } from './retry.js';
export { plainId, wireId, wireVector } from './points.js';
