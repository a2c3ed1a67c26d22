import { plainId, wireId } from '../client/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { CLIENT_OPTIONS, UsageError, parse, required } from './args.js';
import type { CliCommand } from './args.js';
import { withApi } from './client-options.js';
import { filterFromJson } from './filter-json.js';
import { formatTable, toJson } from './format.js';

// `--id`/`--ids` guess each id's kind from its text; the other three say it, so that a record
// id that looks like a number or a UUID ("42") can still be named.
const ID_OPTIONS = {
  table: { type: 'string' },
  id: { type: 'string', multiple: true },
  ids: { type: 'string' },
  'record-id': { type: 'string', multiple: true },
  'num-id': { type: 'string', multiple: true },
  uuid: { type: 'string', multiple: true },
} as const;

/** `points delete` flags (also what its --help lists). */
export const POINTS_DELETE_OPTIONS = {
  ...CLIENT_OPTIONS,
  ...ID_OPTIONS,
  filter: { type: 'string' },
} as const;

/** `points get` flags (also what its --help lists). */
export const POINTS_GET_OPTIONS = {
  ...CLIENT_OPTIONS,
  ...ID_OPTIONS,
  'with-vectors': { type: 'boolean', default: false },
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A point id as typed: digits are a number, a UUID is a UUID, anything else a record id. */
export function idFromText(text: string): pb.PointId {
  if (/^\d+$/.test(text)) return wireId(BigInt(text));
  return UUID.test(text) ? wireId({ uuid: text }) : wireId({ recordId: text });
}

function numIdFromText(text: string): pb.PointId {
  if (!/^\d+$/.test(text)) throw new UsageError(`--num-id takes digits only, not "${text}"`);
  return wireId(BigInt(text));
}

interface IdValues {
  id?: string[] | undefined;
  ids?: string | undefined;
  'record-id'?: string[] | undefined;
  'num-id'?: string[] | undefined;
  uuid?: string[] | undefined;
}

/** The ids of `--id`/`--ids a,b` (kind guessed) and `--record-id`/`--num-id`/`--uuid` (kind said). */
function idsFrom(values: IdValues): pb.PointId[] {
  const guessed = [...(values.id ?? []), ...(values.ids ?? '').split(',')]
    .map((id) => id.trim())
    .filter((id) => id !== '')
    .map(idFromText);
  return [
    ...guessed,
    ...(values['record-id'] ?? []).map((recordId) => wireId({ recordId })),
    ...(values['num-id'] ?? []).map(numIdFromText),
    ...(values.uuid ?? []).map((uuid) => wireId({ uuid })),
  ];
}

/** `vector-admin points delete|get --table T ...`. */
export const pointsCommand: CliCommand = async (argv, config, out) => {
  const action = argv[0];
  if (action === 'delete') return deletePoints(argv.slice(1), config, out);
  if (action === 'get') return getPoints(argv.slice(1), config, out);
  throw new UsageError('points needs: delete or get');
};

/** `points delete --table T [--id X]... [--ids a,b] [--filter JSON]`. */
const deletePoints: CliCommand = async (argv, config, out) => {
  const { values } = parse(argv, POINTS_DELETE_OPTIONS);
  const table = required(values.table, 'table');
  const ids = idsFrom(values);
  const filter = filterFromJson(values.filter);
  if (ids.length === 0 && filter === undefined)
    throw new UsageError(
      'points delete needs --id, --ids, --record-id, --num-id or --uuid and/or --filter',
    );
  await withApi(config, values, (api) =>
    api.deletePoints({ tenantId: values.tenant, table, ids, filter }),
  );
  // DeletePoints answers no count: say what was asked, never a number that reads as deleted.
  out(
    values.json
      ? toJson({ deleteRequested: true, idsGiven: ids.length, filter: filter !== undefined })
      : deleteRequestText(ids.length, filter !== undefined),
  );
};

/** `points get --table T --id X [--id Y]... [--with-vectors]`: ids not stored are left out. */
const getPoints: CliCommand = async (argv, config, out) => {
  const { values } = parse(argv, POINTS_GET_OPTIONS);
  const table = required(values.table, 'table');
  const ids = idsFrom(values);
  if (ids.length === 0)
    throw new UsageError('points get needs --id (or --ids, --record-id, --num-id, --uuid)');
  const { points } = await withApi(config, values, (api) =>
    api.getPoints({ tenantId: values.tenant, table, ids, withVectors: values['with-vectors'] }),
  );
  const rows = points.map((p) => ({
    id: plainId(p.id),
    payload: p.payload ?? {},
    ...(p.vector?.kind?.$case === 'dense' ? { vector: p.vector.kind.value.values } : {}),
  }));
  if (values.json) return out(toJson(rows));
  const headers = values['with-vectors'] ? ['ID', 'PAYLOAD', 'VECTOR'] : ['ID', 'PAYLOAD'];
  out(
    formatTable(
      headers,
      rows.map((r) => [
        String(r.id),
        JSON.stringify(r.payload),
        ...('vector' in r ? [JSON.stringify(r.vector)] : []),
      ]),
    ),
  );
  const missing = missingIds(ids, points);
  if (missing.length > 0) out(`not found: ${missing.join(', ')}`);
};

/** What a delete asked for, e.g. "delete requested for 2 ids and the filter". */
export function deleteRequestText(idCount: number, withFilter: boolean): string {
  const parts = [
    ...(idCount > 0 ? [`${idCount} ${idCount === 1 ? 'id' : 'ids'}`] : []),
    ...(withFilter ? ['the filter'] : []),
  ];
  return `delete requested for ${parts.join(' and ')} (ids not stored are skipped)`;
}

/** The asked ids, as typed back, that GetPoints left out (repeats named once). */
export function missingIds(
  asked: readonly pb.PointId[],
  found: readonly pb.RetrievedPoint[],
): string[] {
  // UUIDs may come back in another case; record ids and numbers come back as written.
  const key = (id: pb.PointId | undefined) =>
    `${id?.kind?.$case}:${String(plainId(id))}`.toLowerCase();
  const stored = new Set(found.map((p) => key(p.id)));
  const missing = new Map<string, string>();
  for (const id of asked) if (!stored.has(key(id))) missing.set(key(id), String(plainId(id)));
  return [...missing.values()];
}
