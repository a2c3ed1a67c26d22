import {
  Distance,
  distanceFromJSON,
  distanceToJSON,
  type Collection,
  type CollectionConfig,
} from '../gen/vectoradmin/v1/vectoradmin.js';
import { CLIENT_OPTIONS, UsageError, parse, positiveInt, required } from './args.js';
import type { CliCommand } from './args.js';
import { withApi } from './client-options.js';
import { collectionJson, formatTable, toJson } from './format.js';

/** The command's flags (also what its --help lists). */
export const COLLECTION_OPTIONS = {
  ...CLIENT_OPTIONS,
  table: { type: 'string' },
  size: { type: 'string' },
  distance: { type: 'string' },
} as const;
const OPTIONS = COLLECTION_OPTIONS;

/** `vector-admin collections create|ensure|get|list|delete`. */
export const collectionsCommand: CliCommand = async (argv, config, out) => {
  const { values, positionals } = parse(argv, OPTIONS);
  const action = positionals[0];
  const tenantId = values.tenant;
  const show = (collections: Collection[]) =>
    out(values.json ? toJson(collections.map(collectionJson)) : collectionTable(collections));
  await withApi(config, values, async (api) => {
    switch (action) {
      case 'create':
        show([
          await api.createCollection({
            tenantId,
            table: required(values.table, 'table'),
            config: collectionConfigFromFlags(values),
          }),
        ]);
        return;
      case 'ensure': {
        const { collection, created } = await api.ensureCollection({
          tenantId,
          table: required(values.table, 'table'),
          config: collectionConfigFromFlags(values),
        });
        if (values.json)
          out(
            toJson({
              collection: collection === undefined ? undefined : collectionJson(collection),
              created,
            }),
          );
        else
          out(
            `${created ? 'created' : 'already present'}\n${collectionTable(collection === undefined ? [] : [collection])}`,
          );
        return;
      }
      case 'get':
        show([await api.getCollection({ tenantId, table: required(values.table, 'table') })]);
        return;
      case 'list':
        show((await api.listCollections({ tenantId })).collections);
        return;
      case 'delete': {
        const { deleted } = await api.deleteCollection({
          tenantId,
          table: required(values.table, 'table'),
        });
        out(values.json ? toJson({ deleted }) : deleted ? 'deleted' : 'no such collection');
        return;
      }
      default:
        throw new UsageError('collections needs one of: create, ensure, get, list, delete');
    }
  });
};

/** A collection config from --size and --distance (either may be left out). */
export function collectionConfigFromFlags(values: {
  size?: string | undefined;
  distance?: string | undefined;
}): CollectionConfig {
  let distance = Distance.DISTANCE_UNSPECIFIED;
  if (values.distance !== undefined) {
    try {
      distance = distanceFromJSON(`DISTANCE_${values.distance.toUpperCase()}`);
    } catch {
      throw new UsageError('--distance must be cosine, euclid, dot or manhattan');
    }
  }
  return { vectorSize: positiveInt(values.size, 'size', 0), distance, tenancy: 0 };
}

function collectionTable(collections: readonly Collection[]): string {
  return formatTable(
    ['TENANT', 'TABLE', 'COLLECTION', 'SIZE', 'DISTANCE', 'POINTS'],
    collections.map((c) => [
      c.tenantId,
      c.table,
      c.name,
      String(c.config?.vectorSize ?? ''),
      c.config === undefined
        ? ''
        : distanceToJSON(c.config.distance).replace('DISTANCE_', '').toLowerCase(),
      c.pointsCount.toString(),
    ]),
  );
}
