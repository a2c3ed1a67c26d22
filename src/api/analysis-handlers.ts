import {
  Operation,
  VectorAdminError,
  validateTenantId,
  type CollectionAnalysis,
} from '../domain/index.js';
import type * as pba from '../gen/vectoradmin/v1/analysis.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { analysisPageToProto, analysisQueryFromProto } from './analysis-mappers.js';
import type { Caller } from './caller.js';
import type { OperationPipeline } from './operation-pipeline.js';

/** The handler of DescribeCollections, the analysis view across tenants. */
export function analysisHandlers(
  pipeline: OperationPipeline,
  analysis: CollectionAnalysis,
): Pick<pb.VectorAdminServer, 'describeCollections'> {
  return {
    describeCollections: pipeline.unary({
      operation: Operation.DescribeCollections,
      authorize: acrossTenants,
      run: async (_target, request: pba.DescribeCollectionsRequest) => {
        const query = analysisQueryFromProto(request);
        const page = await analysis.describe(query);
        return { reply: analysisPageToProto(page, query) };
      },
    }),
  };
}

// Every tenant's figures: the operator's (admin key, or dev mode, which allows every call).
function acrossTenants(
  caller: Caller,
  request: pba.DescribeCollectionsRequest,
): { tenantId: string } {
  if (caller.principal.kind === 'tenant')
    throw new VectorAdminError(
      'permission_denied',
      'DescribeCollections shows every tenant: it needs the admin key',
    );
  if (request.tenantId !== '') validateTenantId(request.tenantId);
  return { tenantId: request.tenantId };
}
