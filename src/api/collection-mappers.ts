import {
  Distance,
  IndexStatus,
  PayloadIndexType,
  Tenancy,
  VectorAdminError,
  type CollectionConfig,
  type CollectionConfigRequest,
  type CollectionView,
  type PayloadIndex,
} from '../domain/index.js';
import * as pb from '../gen/vectoradmin/v1/vectoradmin.js';

const DISTANCE_FROM_PROTO: Partial<Record<number, Distance>> = {
  [pb.Distance.DISTANCE_COSINE]: Distance.Cosine,
  [pb.Distance.DISTANCE_EUCLID]: Distance.Euclid,
  [pb.Distance.DISTANCE_DOT]: Distance.Dot,
  [pb.Distance.DISTANCE_MANHATTAN]: Distance.Manhattan,
};
const TENANCY_FROM_PROTO: Partial<Record<number, Tenancy>> = {
  [pb.Tenancy.TENANCY_COLLECTION_PER_TENANT]: Tenancy.CollectionPerTenant,
  [pb.Tenancy.TENANCY_SHARED_COLLECTION]: Tenancy.SharedCollection,
};
const TENANCY_TO_PROTO: Record<Tenancy, pb.Tenancy> = {
  collection_per_tenant: pb.Tenancy.TENANCY_COLLECTION_PER_TENANT,
  shared_collection: pb.Tenancy.TENANCY_SHARED_COLLECTION,
};
const STATUS_TO_PROTO: Record<IndexStatus, pb.CollectionStatus> = {
  green: pb.CollectionStatus.COLLECTION_STATUS_GREEN,
  yellow: pb.CollectionStatus.COLLECTION_STATUS_YELLOW,
  red: pb.CollectionStatus.COLLECTION_STATUS_RED,
};
const INDEX_TYPE_FROM_PROTO: Partial<Record<number, PayloadIndexType>> = {
  [pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_KEYWORD]: PayloadIndexType.Keyword,
  [pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_INTEGER]: PayloadIndexType.Integer,
  [pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_FLOAT]: PayloadIndexType.Float,
  [pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_BOOL]: PayloadIndexType.Bool,
};
const INDEX_TYPE_TO_PROTO: Record<PayloadIndexType, pb.PayloadIndexType> = {
  keyword: pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_KEYWORD,
  integer: pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_INTEGER,
  float: pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_FLOAT,
  bool: pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_BOOL,
};
const DISTANCE_TO_PROTO: Record<Distance, pb.Distance> = {
  cosine: pb.Distance.DISTANCE_COSINE,
  euclid: pb.Distance.DISTANCE_EUCLID,
  dot: pb.Distance.DISTANCE_DOT,
  manhattan: pb.Distance.DISTANCE_MANHATTAN,
};

/** A requested config from the wire; only the fields the client set. */
export function configRequestFromProto(
  config: pb.CollectionConfig | undefined,
  field = 'config',
): CollectionConfigRequest | undefined {
  if (config === undefined) return undefined;
  let distance: Distance | undefined;
  if (config.distance !== pb.Distance.DISTANCE_UNSPECIFIED) {
    distance = DISTANCE_FROM_PROTO[config.distance];
    if (distance === undefined)
      throw VectorAdminError.invalidField(`${field}.distance`, `unknown value ${config.distance}`);
  }
  let tenancy: Tenancy | undefined;
  if (config.tenancy !== pb.Tenancy.TENANCY_UNSPECIFIED) {
    tenancy = TENANCY_FROM_PROTO[config.tenancy];
    if (tenancy === undefined)
      throw VectorAdminError.invalidField(`${field}.tenancy`, `unknown value ${config.tenancy}`);
  }
  const hnsw = config.hnsw;
  const request: { -readonly [K in keyof CollectionConfigRequest]?: CollectionConfigRequest[K] } =
    {};
  if (tenancy !== undefined) request.tenancy = tenancy;
  if (config.vectorSize !== 0) request.vectorSize = config.vectorSize;
  if (distance !== undefined) request.distance = distance;
  if (config.shardNumber !== undefined) request.shardNumber = config.shardNumber;
  if (config.replicationFactor !== undefined) request.replicationFactor = config.replicationFactor;
  if (config.writeConsistencyFactor !== undefined)
    request.writeConsistencyFactor = config.writeConsistencyFactor;
  if (config.onDisk !== undefined) request.onDisk = config.onDisk;
  if (hnsw !== undefined) {
    request.hnsw = Object.fromEntries(Object.entries(hnsw).filter(([, v]) => v !== undefined));
  }
  if (config.payloadIndexes !== undefined) {
    request.payloadIndexes = payloadIndexesFromProto(config.payloadIndexes, field);
  }
  return request;
}

// Keys are checked in the domain (resolveCollectionConfig); only the enum is the wire's.
function payloadIndexesFromProto(indexes: pb.PayloadIndexes, field: string): PayloadIndex[] {
  return indexes.fields.map(({ key, type }, i) => {
    const domainType = INDEX_TYPE_FROM_PROTO[type];
    if (domainType === undefined) {
      throw VectorAdminError.invalidField(
        `${field}.payload_indexes.fields[${i}].type`,
        type === pb.PayloadIndexType.PAYLOAD_INDEX_TYPE_UNSPECIFIED
          ? 'is required'
          : `unknown value ${type}`,
      );
    }
    return { key, type: domainType };
  });
}

/** The wire form of a stored config and the tenancy it is used with. */
export function configToProto(config: CollectionConfig, tenancy: Tenancy): pb.CollectionConfig {
  return {
    vectorSize: config.vectorSize,
    distance: DISTANCE_TO_PROTO[config.distance],
    shardNumber: config.shardNumber,
    replicationFactor: config.replicationFactor,
    writeConsistencyFactor: config.writeConsistencyFactor,
    onDisk: config.onDisk,
    hnsw: config.hnsw === undefined ? undefined : { ...config.hnsw },
    tenancy: TENANCY_TO_PROTO[tenancy],
    payloadIndexes:
      config.payloadIndexes === undefined || config.payloadIndexes.length === 0
        ? undefined
        : {
            fields: config.payloadIndexes.map(({ key, type }) => ({
              key,
              type: INDEX_TYPE_TO_PROTO[type],
            })),
          },
  };
}

/** The wire form of a tenant's collection. */
export function collectionToProto(view: CollectionView): pb.Collection {
  return {
    name: view.ref.name,
    tenantId: view.ref.tenantId,
    table: view.ref.table,
    config: configToProto(view.config, view.tenancy),
    pointsCount: BigInt(view.pointsCount),
    // A shared table's partition reports its collection's index, capped at its own points.
    indexedVectorsCount: BigInt(
      Math.min(view.pointsCount, view.index?.indexedVectorsCount ?? view.pointsCount),
    ),
    status: STATUS_TO_PROTO[view.index?.status ?? IndexStatus.Green],
  };
}
