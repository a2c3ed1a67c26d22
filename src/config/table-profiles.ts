import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { z } from 'zod';

// The domain's own rules, checked here at start-up so that every problem of a profile file is
// reported at once.
import { MAX_PAYLOAD_INDEXES, PAYLOAD_INDEX_KEY } from '../domain/collection-config.js';
import { TABLE } from '../domain/naming.js';
import { RESERVED_KEY_PREFIX } from '../domain/shared-points.js';

// Says "is required" for a missing field rather than "expected number, received undefined".
const required = (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : undefined;
const count = (min: number, max: number) => z.number({ error: required }).int().min(min).max(max);

const payloadIndex = z.strictObject({
  key: z
    .string({ error: required })
    .regex(
      PAYLOAD_INDEX_KEY,
      'must be a top-level payload key: 1-64 letters, digits or _, not starting with a digit',
    )
    .refine((key) => !key.startsWith(RESERVED_KEY_PREFIX), {
      message: `keys starting with "${RESERVED_KEY_PREFIX}" are reserved`,
    }),
  type: z.enum(['keyword', 'integer', 'float', 'bool'], { error: required }),
});

const profileSchema = z.strictObject({
  vector_size: count(1, 65_536),
  distance: z.enum(['cosine', 'euclid', 'dot', 'manhattan']).default('cosine'),
  tenancy: z.enum(['collection_per_tenant', 'shared_collection']).default('collection_per_tenant'),
  on_disk: z.boolean().optional(),
  shard_number: count(1, 1024).optional(),
  replication_factor: count(1, 1024).optional(),
  write_consistency_factor: count(1, 1024).optional(),
  hnsw: z
    .strictObject({
      m: count(0, 1024).optional(),
      ef_construct: count(4, 10_000).optional(),
      full_scan_threshold: count(0, 1_000_000_000).optional(),
      on_disk: z.boolean().optional(),
    })
    .optional(),
  payload_indexes: z
    .array(payloadIndex)
    .max(MAX_PAYLOAD_INDEXES)
    .superRefine((indexes, ctx) => {
      const seen = new Set<string>();
      indexes.forEach(({ key }, i) => {
        if (seen.has(key))
          ctx.addIssue({ code: 'custom', path: [i, 'key'], message: `"${key}" is repeated` });
        seen.add(key);
      });
    })
    .optional(),
  /** Replaces VECTORADMIN_MAX_PAYLOAD_BYTES for this table's points. */
  max_payload_bytes: count(1, 64 * 1024 * 1024).optional(),
});

/**
 * The table profile file (VECTORADMIN_TABLES_FILE, YAML or JSON): `tables`, a map from table
 * name to the config its collections get when a call gives none.
 */
export const tablesFileSchema = z.strictObject({
  tables: z.record(
    z.string().regex(TABLE, 'table names are 1-63 of a-z 0-9 _, starting with a letter'),
    profileSchema,
  ),
});

/** The tables of the built-in profile, used when VECTORADMIN_TABLES_FILE is unset. */
export const BUILT_IN_TABLES = ['work_items', 'pull_requests', 'users', 'projects'] as const;

/** A table's profile, in the shape the domain's collection configs take. */
export interface TableProfileConfig {
  readonly table: string;
  readonly config: {
    readonly vectorSize: number;
    readonly distance: 'cosine' | 'euclid' | 'dot' | 'manhattan';
    readonly tenancy: 'collection_per_tenant' | 'shared_collection';
    readonly onDisk?: boolean;
    readonly shardNumber?: number;
    readonly replicationFactor?: number;
    readonly writeConsistencyFactor?: number;
    readonly hnsw?: {
      readonly m?: number;
      readonly efConstruct?: number;
      readonly fullScanThreshold?: number;
      readonly onDisk?: boolean;
    };
    readonly payloadIndexes?: readonly {
      readonly key: string;
      readonly type: 'keyword' | 'integer' | 'float' | 'bool';
    }[];
  };
  readonly maxPayloadBytes?: number;
}

/** Where the profiles in force come from, and the profiles sorted by table. */
export interface TableProfilesConfig {
  readonly source: string;
  readonly profiles: readonly TableProfileConfig[];
}

/**
 * The profiles in force: the file's when `file` is set (every problem pushed to `problems`,
 * prefixed with the variable and the path in the file), else the built-in profile, whose
 * tables take today's defaults: `defaultVectorSize` and cosine, each tenant its own collection.
 */
export function loadTableProfiles(
  file: string | undefined,
  defaultVectorSize: number,
  problems: string[],
): TableProfilesConfig {
  if (file === undefined) {
    return {
      source: 'built-in',
      profiles: [...BUILT_IN_TABLES].sort().map((table) => ({
        table,
        config: {
          vectorSize: defaultVectorSize,
          distance: 'cosine',
          tenancy: 'collection_per_tenant',
        },
      })),
    };
  }
  const at = `VECTORADMIN_TABLES_FILE (${file})`;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    problems.push(`${at}: cannot read: ${(err as Error).message}`);
    return { source: file, profiles: [] };
  }
  // YAML 1.2 reads JSON too; every syntax error is reported, not only the first.
  const document = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    for (const error of document.errors) problems.push(`${at}: ${error.message}`);
    return { source: file, profiles: [] };
  }
  const parsed = tablesFileSchema.safeParse(document.toJS());
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      // A bad table name is an issue about the key, whose own message says what is wrong.
      const message = issue.code === 'invalid_key' ? issue.issues[0]?.message : issue.message;
      const where = issue.path.length === 0 ? '' : `${issue.path.join('.')}: `;
      problems.push(`${at}: ${where}${message ?? issue.message}`);
    }
    return { source: file, profiles: [] };
  }
  const profiles = Object.entries(parsed.data.tables)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([table, p]) => profileFromFile(table, p));
  return { source: file, profiles };
}

function profileFromFile(table: string, p: z.output<typeof profileSchema>): TableProfileConfig {
  const hnsw = p.hnsw && {
    ...(p.hnsw.m === undefined ? {} : { m: p.hnsw.m }),
    ...(p.hnsw.ef_construct === undefined ? {} : { efConstruct: p.hnsw.ef_construct }),
    ...(p.hnsw.full_scan_threshold === undefined
      ? {}
      : { fullScanThreshold: p.hnsw.full_scan_threshold }),
    ...(p.hnsw.on_disk === undefined ? {} : { onDisk: p.hnsw.on_disk }),
  };
  return {
    table,
    config: {
      vectorSize: p.vector_size,
      distance: p.distance,
      tenancy: p.tenancy,
      ...(p.on_disk === undefined ? {} : { onDisk: p.on_disk }),
      ...(p.shard_number === undefined ? {} : { shardNumber: p.shard_number }),
      ...(p.replication_factor === undefined ? {} : { replicationFactor: p.replication_factor }),
      ...(p.write_consistency_factor === undefined
        ? {}
        : { writeConsistencyFactor: p.write_consistency_factor }),
      ...(hnsw === undefined ? {} : { hnsw }),
      ...(p.payload_indexes === undefined ? {} : { payloadIndexes: p.payload_indexes }),
    },
    ...(p.max_payload_bytes === undefined ? {} : { maxPayloadBytes: p.max_payload_bytes }),
  };
}
