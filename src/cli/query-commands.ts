import { readFile } from 'node:fs/promises';
import { connect, plainId, vectorAdminApi, wireVector } from '../client/index.js';
import type { Config } from '../config/index.js';
import { CLIENT_OPTIONS, UsageError, parse, positiveInt, required } from './args.js';
import { clientOptions } from './client-options.js';
import { filterFromJson } from './filter-json.js';
import { formatTable, toJson } from './format.js';

/** The command's flags (also what its --help lists). */
export const QUERY_OPTIONS = {
  ...CLIENT_OPTIONS,
  table: { type: 'string' },
  vector: { type: 'string' },
  'vector-file': { type: 'string' },
  limit: { type: 'string' },
  filter: { type: 'string' },
  payload: { type: 'boolean', default: false },
  exact: { type: 'boolean', default: true },
} as const;
const OPTIONS = QUERY_OPTIONS;

/** `vector-admin search --table T --vector '[..]'` prints the nearest points. */
export async function searchCommand(
  argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  const { values } = parse(argv, OPTIONS);
  const text =
    values.vector ??
    (values['vector-file'] === undefined
      ? undefined
      : await readFile(values['vector-file'], 'utf8'));
  if (text === undefined) throw new UsageError('search needs --vector JSON or --vector-file');
  let values32: Float32Array;
  try {
    values32 = Float32Array.from(JSON.parse(text) as number[]);
  } catch {
    throw new UsageError('--vector must be a JSON array of numbers');
  }
  const connection = connect(clientOptions(config, values));
  try {
    const { points } = await vectorAdminApi(connection).search({
      tenantId: values.tenant,
      table: required(values.table, 'table'),
      vector: wireVector(values32),
      limit: positiveInt(values.limit, 'limit', 10),
      filter: filterFromJson(values.filter),
      withPayload: values.payload,
    });
    const rows = points.map((p) => ({
      id: plainId(p.id),
      score: p.score,
      ...(p.payload === undefined ? {} : { payload: p.payload }),
    }));
    out(
      values.json
        ? toJson(rows)
        : formatTable(
            ['ID', 'SCORE', 'PAYLOAD'],
            rows.map((r) => [
              String(r.id),
              r.score.toFixed(6),
              r.payload === undefined ? '' : JSON.stringify(r.payload),
            ]),
          ),
    );
  } finally {
    connection.close();
  }
}

/** `vector-admin count --table T [--filter JSON]` prints the number of matching points. */
export async function countCommand(
  argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  const { values } = parse(argv, OPTIONS);
  const connection = connect(clientOptions(config, values));
  try {
    const { count } = await vectorAdminApi(connection).count({
      tenantId: values.tenant,
      table: required(values.table, 'table'),
      filter: filterFromJson(values.filter),
      exact: values.exact,
    });
    out(values.json ? toJson({ count }) : count.toString());
  } finally {
    connection.close();
  }
}
