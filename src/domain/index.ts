export { ErrorCode, VectorAdminError, hasErrorCode } from './errors.js';
export type { FieldViolation, VectorAdminErrorOptions } from './errors.js';
export { Distance, IndexStatus, PayloadIndexType, Tenancy } from './types.js';
export type {
  CallerPointId,
  CollectionConfig,
  Condition,
  FetchedPoint,
  Filter,
  FoundPoint,
  HnswConfig,
  MatchValue,
  Payload,
  Point,
  PointId,
  PayloadIndex,
  PointSelector,
  RangeBounds,
  RetrievedPoint,
  RetrieveQuery,
  ScoredPoint,
  SearchParams,
  SearchQuery,
  CollectionStorage,
  StoredCollection,
} from './types.js';
export { Operation } from './ports.js';
export type {
  EventBus,
  EventBusState,
  EventReservation,
  OperationEvent,
  VectorStore,
  WriteActivity,
  WriteActivitySource,
} from './ports.js';
export {
  CollectionNaming,
  validateTable,
  validateTenantId,
  isValidCollectionPrefix,
} from './naming.js';
export type { AuthorizedRef, CollectionRef } from './naming.js';
export { canonicalUuid, numericId, pointIdFromKey, pointIdKey, recordUuid } from './point-id.js';
export { resolvePointId, validateBatch } from './batch-validation.js';
export { RECORD_ID_KEY } from './caller-points.js';
export type { BatchLimits, BatchValidation, PointError, PointInput } from './batch-validation.js';
export { ApiKeys } from './api-keys.js';
export type { Principal } from './api-keys.js';
export {
  MAX_PAYLOAD_INDEXES,
  configConflicts,
  resolveCollectionConfig,
} from './collection-config.js';
export { MAX_HNSW_EF, validateSearchParams } from './search-params.js';
export type { CollectionConfigRequest, CollectionDefaults } from './collection-config.js';
export { CollectionService, notFound } from './collection-service.js';
export { AnalysisSort, CollectionAnalysis, storageBytes } from './collection-analysis.js';
export type { AnalysisPage, AnalysisQuery, AnalysisRow } from './collection-analysis.js';
export type { TableEntry } from './table-inventory.js';
export type {
  CollectionServiceOptions,
  CollectionView,
  TableRemoval,
} from './collection-service.js';
export { TableProfiles } from './table-profiles.js';
export type { TableProfile } from './table-profiles.js';
export { ProvisionOutcome, TenantProvisioning } from './tenant-provisioning.js';
export type { RemovedTable, TableProvision, TenantGrant } from './tenant-provisioning.js';
export { PointService } from './point-service.js';
export type { PointLimits, UpsertOutcome } from './point-service.js';
export type { LogFields, Logger } from './logger.js';
export { ByteBudget } from './byte-budget.js';
export { WriteScheduler, type WriteBounds } from './write-scheduler.js';
export { KeyedQueue } from './keyed-queue.js';
export { entryOf } from './map-entry.js';
