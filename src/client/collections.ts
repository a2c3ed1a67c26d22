import type { CallOptions, Metadata, ServiceError } from '@grpc/grpc-js';
import type * as pba from '../gen/vectoradmin/v1/analysis.js';
import type { RunPerformanceTestRequest } from '../gen/vectoradmin/v1/probe.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import type * as provisioning from '../gen/vectoradmin/v1/provisioning.js';
import type { Connection } from './connect.js';

type Unary<Req, Res> = (
  request: Req,
  metadata: Metadata,
  options: Partial<CallOptions>,
  callback: (err: ServiceError | null, response: Res) => void,
) => unknown;

/** Promise form of a generated unary method. */
export function call<Req, Res>(
  connection: Connection,
  method: Unary<Req, Res>,
  request: Req,
  timeoutMs = 30_000,
): Promise<Res> {
  return new Promise((resolve, reject) => {
    method.call(
      connection.raw,
      request,
      connection.metadata(),
      connection.callOptions(timeoutMs),
      (err, response) => (err ? reject(err) : resolve(response)),
    );
  });
}

/** Typed promise wrappers for every unary RPC. */
export function vectorAdminApi(connection: Connection) {
  const raw = connection.raw;
  return {
    createCollection: (r: pb.CreateCollectionRequest) =>
      call(connection, raw.createCollection.bind(raw), r),
    ensureCollection: (r: pb.EnsureCollectionRequest) =>
      call(connection, raw.ensureCollection.bind(raw), r),
    getCollection: (r: pb.GetCollectionRequest) => call(connection, raw.getCollection.bind(raw), r),
    listCollections: (r: pb.ListCollectionsRequest) =>
      call(connection, raw.listCollections.bind(raw), r),
    describeCollections: (r: pba.DescribeCollectionsRequest) =>
      call(connection, raw.describeCollections.bind(raw), r),
    deleteCollection: (r: pb.DeleteCollectionRequest) =>
      call(connection, raw.deleteCollection.bind(raw), r),
    provisionTenant: (r: provisioning.ProvisionTenantRequest) =>
      call(connection, raw.provisionTenant.bind(raw), r),
    deprovisionTenant: (r: provisioning.DeprovisionTenantRequest) =>
      call(connection, raw.deprovisionTenant.bind(raw), r),
    listTables: (r: pb.ListTablesRequest) => call(connection, raw.listTables.bind(raw), r),
    upsert: (r: pb.UpsertRequest) => call(connection, raw.upsert.bind(raw), r),
    deletePoints: (r: pb.DeletePointsRequest) => call(connection, raw.deletePoints.bind(raw), r),
    getPoints: (r: pb.GetPointsRequest) => call(connection, raw.getPoints.bind(raw), r),
    search: (r: pb.SearchRequest, timeoutMs?: number) =>
      call(connection, raw.search.bind(raw), r, timeoutMs),
    count: (r: pb.CountRequest) => call(connection, raw.count.bind(raw), r),
    // A probe run is bounded by the server's PERFORMANCE_TEST_TIMEOUT_MS (at most 10 minutes).
    runPerformanceTest: (r: RunPerformanceTestRequest = {}) =>
      call(connection, raw.runPerformanceTest.bind(raw), r, 660_000),
  };
}

/** The promise API of a connection. */
export type VectorAdminApi = ReturnType<typeof vectorAdminApi>;
