import { connect, vectorAdminApi } from '../client/index.js';
import type { Config } from '../config/index.js';
import {
  DeprovisionTenantResponse,
  ProvisionTenantResponse,
  provisionOutcomeToJSON,
} from '../gen/vectoradmin/v1/provisioning.js';
import {
  Collection,
  TableProfile,
  distanceToJSON,
  tenancyToJSON,
  type CollectionConfig,
} from '../gen/vectoradmin/v1/vectoradmin.js';
import { CLIENT_OPTIONS, UsageError, parse } from './args.js';
import { clientOptions } from './client-options.js';
import { formatTable, toJson } from './format.js';

/** The flags of `tenants …` and `tables list` (also what their --help lists). */
export const TENANT_OPTIONS = CLIENT_OPTIONS;

/** `vector-admin tenants provision|deprovision|describe`. */
export async function tenantsCommand(
  argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  const { values, positionals } = parse(argv, TENANT_OPTIONS);
  const connection = connect(clientOptions(config, values));
  const api = vectorAdminApi(connection);
  const tenantId = values.tenant;
  try {
    switch (positionals[0]) {
      case 'provision': {
        const answer = await api.provisionTenant({ tenantId });
        if (values.json) return out(toJson(ProvisionTenantResponse.toJSON(answer)));
        return out(
          formatTable(
            ['TABLE', 'OUTCOME', 'COLLECTION', 'DETAIL'],
            answer.tables.map((t) => [
              t.table,
              enumWord(provisionOutcomeToJSON(t.outcome), 'PROVISION_OUTCOME_'),
              t.collection,
              t.detail,
            ]),
          ),
        );
      }
      case 'deprovision': {
        const answer = await api.deprovisionTenant({ tenantId });
        if (values.json) return out(toJson(DeprovisionTenantResponse.toJSON(answer)));
        if (answer.removed.length === 0) return out(`tenant ${answer.tenantId} had nothing`);
        return out(
          formatTable(
            ['TABLE', 'REMOVED', 'COLLECTION'],
            answer.removed.map((r) => [
              r.table,
              r.shared ? 'shared membership' : 'collection',
              r.collection,
            ]),
          ),
        );
      }
      case 'describe': {
        const [{ tables }, { collections }] = await Promise.all([
          api.listTables({}),
          api.listCollections({ tenantId }),
        ]);
        return out(describe(tables, collections, values.json));
      }
      default:
        throw new UsageError('tenants needs one of: provision, deprovision, describe');
    }
  } finally {
    connection.close();
  }
}

/** `vector-admin tables list`: the table profiles in force on the server. */
export async function tablesCommand(
  argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  const { values, positionals } = parse(argv, TENANT_OPTIONS);
  if (positionals[0] !== 'list') throw new UsageError('tables needs: list');
  const connection = connect(clientOptions(config, values));
  try {
    const { tables } = await vectorAdminApi(connection).listTables({});
    if (values.json) return out(toJson(tables.map((t) => TableProfile.toJSON(t))));
    out(
      formatTable(
        ['TABLE', ...CONFIG_HEADERS, 'PAYLOAD_INDEXES', 'MAX_PAYLOAD_BYTES'],
        tables.map((t) => [
          t.table,
          ...configCells(t.config),
          (t.config?.payloadIndexes?.fields ?? []).map((f) => f.key).join(',') || '-',
          t.maxPayloadBytes === 0 ? 'default' : String(t.maxPayloadBytes),
        ]),
      ),
    );
  } finally {
    connection.close();
  }
}

// Each profiled table beside the tenant's collection of it, then the tenant's other tables.
function describe(
  tables: readonly TableProfile[],
  collections: readonly Collection[],
  json: boolean,
): string {
  const byTable = new Map(collections.map((c) => [c.table, c]));
  const names = [...new Set([...tables.map((t) => t.table), ...byTable.keys()])].sort();
  const profiles = new Map(tables.map((t) => [t.table, t]));
  if (json)
    return toJson(
      names.map((table) => {
        const profile = profiles.get(table);
        const collection = byTable.get(table);
        return {
          table,
          profile: profile === undefined ? null : TableProfile.toJSON(profile),
          collection: collection === undefined ? null : Collection.toJSON(collection),
        };
      }),
    );
  return formatTable(
    ['TABLE', 'STATE', 'COLLECTION', ...CONFIG_HEADERS, 'POINTS'],
    names.map((table) => {
      const collection = byTable.get(table);
      const state = !profiles.has(table)
        ? 'not profiled'
        : collection === undefined
          ? 'missing'
          : 'present';
      return [
        table,
        state,
        collection?.name ?? '-',
        ...configCells(collection?.config ?? profiles.get(table)?.config),
        collection?.pointsCount.toString() ?? '-',
      ];
    }),
  );
}

const CONFIG_HEADERS = ['SIZE', 'DISTANCE', 'TENANCY'];

function configCells(config: CollectionConfig | undefined): string[] {
  if (config === undefined) return ['-', '-', '-'];
  return [
    String(config.vectorSize),
    enumWord(distanceToJSON(config.distance), 'DISTANCE_'),
    enumWord(tenancyToJSON(config.tenancy), 'TENANCY_'),
  ];
}

function enumWord(name: string, prefix: string): string {
  return name.replace(prefix, '').toLowerCase();
}
