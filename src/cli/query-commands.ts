import { readFile } from 'node:fs/promises';
import { plainId, wireVector } from '../client/index.js';
import { CLIENT_OPTIONS, UsageError, parse, positiveInt, required } from './args.js';
import type { CliCommand } from './args.js';
import { withApi } from './client-options.js';
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
export const searchCommand: CliCommand = async (argv, config, out) => {
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
  const request = {
    tenantId: values.tenant,
    table: required(values.table, 'table'),
    vector: wireVector(values32),
    limit: positiveInt(values.limit, 'limit', 10),
    filter: filterFromJson(values.filter),
    withPayload: values.payload,
  };
  const { points } = await withApi(config, values, (api) => api.search(request));
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
};

/** `vector-admin count --table T [--filter JSON]` prints the number of matching points. */
export const countCommand: CliCommand = async (argv, config, out) => {
  const { values } = parse(argv, OPTIONS);
  const request = {
    tenantId: values.tenant,
    table: required(values.table, 'table'),
    filter: filterFromJson(values.filter),
    exact: values.exact,
  };
  const { count } = await withApi(config, values, (api) => api.count(request));
  out(values.json ? toJson({ count }) : count.toString());
};
