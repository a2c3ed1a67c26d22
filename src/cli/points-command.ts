import { connect, vectorAdminApi, wireId } from '../client/index.js';
import type { Config } from '../config/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { CLIENT_OPTIONS, UsageError, parse, required } from './args.js';
import { clientOptions } from './client-options.js';
import { filterFromJson } from './filter-json.js';
import { toJson } from './format.js';

/** The command's flags (also what its --help lists). */
export const POINTS_OPTIONS = {
  ...CLIENT_OPTIONS,
  table: { type: 'string' },
  ids: { type: 'string' },
  filter: { type: 'string' },
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A point id as typed: digits are a number, a UUID is a UUID, anything else a record id. */
export function idFromText(text: string): pb.PointId {
  if (/^\d+$/.test(text)) return wireId(BigInt(text));
  return UUID.test(text) ? wireId({ uuid: text }) : wireId({ recordId: text });
}

/** `vector-admin points delete --table T [--ids a,b] [--filter JSON]`. */
export async function pointsCommand(
  argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  const { values, positionals } = parse(argv, POINTS_OPTIONS);
  if (positionals[0] !== 'delete') throw new UsageError('points needs: delete');
  const table = required(values.table, 'table');
  const ids = (values.ids ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '')
    .map(idFromText);
  const filter = filterFromJson(values.filter);
  if (ids.length === 0 && filter === undefined)
    throw new UsageError('points delete needs --ids and/or --filter');
  const connection = connect(clientOptions(config, values));
  try {
    await vectorAdminApi(connection).deletePoints({ tenantId: values.tenant, table, ids, filter });
    out(values.json ? toJson({ deleted: true, ids: ids.length }) : 'deleted');
  } finally {
    connection.close();
  }
}
