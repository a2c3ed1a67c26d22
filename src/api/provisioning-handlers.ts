import type { ProvisionOutcome } from '../domain/index.js';
import {
  ApiKeys,
  Operation,
  resolveCollectionConfig,
  validateTenantId,
  type CollectionService,
  type TenantProvisioning,
} from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import * as provisioning from '../gen/vectoradmin/v1/provisioning.js';
import { configToProto } from './collection-mappers.js';
import type { OperationPipeline } from './operation-pipeline.js';

type ProvisioningHandlers = Pick<
  pb.VectorAdminServer,
  'provisionTenant' | 'deprovisionTenant' | 'listTables'
>;

const OUTCOME_TO_PROTO: Record<ProvisionOutcome, provisioning.ProvisionOutcome> = {
  created: provisioning.ProvisionOutcome.PROVISION_OUTCOME_CREATED,
  already_present: provisioning.ProvisionOutcome.PROVISION_OUTCOME_ALREADY_PRESENT,
  conflict: provisioning.ProvisionOutcome.PROVISION_OUTCOME_CONFLICT,
};

/** Handlers for the tenant-wide RPCs: provisioning from the table profiles, and the profiles. */
export function provisioningHandlers(
  pipeline: OperationPipeline,
  collections: CollectionService,
  tenants: TenantProvisioning,
): ProvisioningHandlers {
  return {
    provisionTenant: pipeline.unary({
      operation: Operation.ProvisionTenant,
      authorize: (caller, request: provisioning.ProvisionTenantRequest) => ({
        tenantId: validateTenantId(ApiKeys.tenantFor(caller.principal, request.tenantId)),
        mayConfigureShared: caller.principal.kind !== 'tenant',
      }),
      run: async (grant) => {
        const tables = await tenants.provision(grant);
        return {
          reply: {
            tenantId: grant.tenantId,
            tables: tables.map((t) => ({ ...t, outcome: OUTCOME_TO_PROTO[t.outcome] })),
          },
        };
      },
    }),
    deprovisionTenant: pipeline.unary({
      operation: Operation.DeprovisionTenant,
      authorize: (caller, request: provisioning.DeprovisionTenantRequest) => ({
        tenantId: validateTenantId(
          ApiKeys.operatorTenant(caller.principal, request.tenantId, 'deprovision a tenant'),
        ),
      }),
      run: async ({ tenantId }) => ({
        reply: { tenantId, removed: await tenants.deprovision(tenantId) },
      }),
    }),
    listTables: pipeline.unary({
      operation: Operation.ListTables,
      // The profiles are the operator's, the same for every tenant: any key may read them.
      authorize: () => ({ tenantId: '' }),
      run: (_target, _request: pb.ListTablesRequest) =>
        Promise.resolve({
          reply: {
            tables: collections.profiles.all().map((profile) => ({
              table: profile.table,
              config: configToProto(
                resolveCollectionConfig(profile.config, collections.defaults),
                profile.config.tenancy,
              ),
              maxPayloadBytes: profile.maxPayloadBytes ?? 0,
            })),
          },
        }),
    }),
  };
}
