import { Command, Option } from 'commander';
import { envSchema } from '../config/index.js';
import { BENCH_OPTIONS } from './bench-options.js';
import type { Options } from './args.js';
import { ADMIN_COLLECTIONS_OPTIONS } from './admin-command.js';
import { COLLECTION_OPTIONS } from './collections-command.js';
import { INGEST_OPTIONS } from './ingest-command.js';
import { POINTS_DELETE_OPTIONS, POINTS_GET_OPTIONS } from './points-command.js';
import { PROBE_OPTIONS } from './probe-command.js';
import { QUERY_OPTIONS } from './query-commands.js';
import { TENANT_OPTIONS } from './tenants-command.js';

/** What a command runs: the arguments after its name(s), already checked against its flags. */
export type Runner = (kind: RunnerKind, argv: string[]) => Promise<void>;

/**
 * Every runnable command; `collections`, `tenants`, `tables` and `points` get their action as
 * the first argument.
 */
export type RunnerKind =
  | 'start'
  | 'serve'
  | 'consume'
  | 'summary'
  | 'bench'
  | 'collections'
  | 'admin'
  | 'tenants'
  | 'tables'
  | 'points'
  | 'ingest'
  | 'search'
  | 'count'
  | 'probe';

// One line of help per flag; flags themselves come from each command's parseArgs options.
const FLAG_HELP: Record<string, string> = {
  address: `server host:port (env VECTORADMIN_GRPC_ADDR, default ${envSchema.shape.VECTORADMIN_GRPC_ADDR.parse(undefined)})`,
  key: 'API key presented as a bearer token (env VECTORADMIN_API_KEY)',
  tenant: 'tenant id; may be left out with a tenant key (the key names its tenant)',
  json: 'machine-readable JSON output (enums by name)',
  table: 'logical table, e.g. work_items',
  size: 'vector size (dimensions)',
  distance: 'cosine, euclid, dot or manhattan',
  vector: 'query vector as a JSON array of numbers',
  'vector-file': 'file holding the query vector as a JSON array',
  limit: 'number of results (default 10)',
  filter: 'payload filter JSON: {"must":[{"key":"state","match":"open"}]}',
  payload: 'include payloads in the results',
  exact: 'exact count (default)',
  id: 'a point id, repeatable; its kind is guessed: digits are a number, a UUID is a UUID, anything else is a record id (--record-id 42 names record id "42")',
  ids: 'comma-separated point ids, kinds guessed as for --id',
  'record-id': 'a record id (the JSONL "record_id"), repeatable, whatever it looks like',
  'num-id': 'a numeric point id, repeatable',
  uuid: 'a UUID point id, repeatable',
  'with-vectors': "include each point's vector (normalized for cosine collections)",
  'batch-size': 'points per batch (default 256)',
  window: 'batches in flight before waiting for acks (default 8)',
  encoding:
    'f32le (fast: vectors as float32 bytes, payloads as JSON) or dense (repeated floats and a Struct payload)',
  restart: 'ignore the checkpoint and start from the first line',
  markdown: 'Markdown output',
  sort: 'row order: table (tenant, then table; default), size (largest first) or activity (busiest first)',
  'page-size': 'rows per page (1-1000); prints that one page and the token of the next',
  'page-token': 'the token a previous page printed',
  replay: 'rebuild everything from the start of the events stream',
};

const CLIENT_ENV = 'environment: VECTORADMIN_GRPC_ADDR, VECTORADMIN_API_KEY (see README.md)';
const SERVICE_ENV = `environment (all optional, see README.md's configuration table):\n  ${Object.keys(
  envSchema.shape,
)
  .join(' ')
  .replace(/(.{1,96})(\s|$)/g, '$1\n  ')
  .trimEnd()}`;

function addFlags(command: Command, options: Options): Command {
  for (const [name, spec] of Object.entries(options)) {
    const flag = spec.type === 'boolean' ? `--${name}` : `--${name} <value>`;
    command.addOption(new Option(flag, FLAG_HELP[name] ?? name));
  }
  return command;
}

function leaf(
  argv: readonly string[],
  parent: Command,
  name: string,
  summary: string,
  options: Options,
  env: string,
  run: (argv: string[]) => Promise<void>,
): Command {
  const command = addFlags(parent.command(name).description(summary), options)
    .addHelpText('after', `\n${env}`)
    .action(async (...args: unknown[]) => {
      // The arguments as typed after the command's names (the program itself takes no flags,
      // so names come first): each handler parses its own flags, which commander checked.
      let depth = 0;
      for (let c: Command | null = args.at(-1) as Command; c?.parent; c = c.parent) depth += 1;
      await run(argv.slice(depth));
    });
  return command;
}

/**
 * The `vector-admin` command tree (commander): every command and subcommand has its own --help
 * that prints its flags and environment and does nothing else (issue 13); an unknown command or
 * flag is an error naming the nearest valid one.
 */
export function buildProgram(argv: readonly string[], run: Runner): Command {
  const program = new Command('vector-admin')
    .description('VectorAdmin: tenant-isolated vector collections over gRPC, events on NATS')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    // Before the commands are added: subcommands inherit it. main() maps the exit codes.
    .exitOverride();
  leaf(
    argv,
    program,
    'start',
    'run everything: service, metrics consumer, dashboard (and NATS if needed)',
    {},
    SERVICE_ENV,
    (rest) => run('start', rest),
  );
  leaf(argv, program, 'serve', 'run the gRPC service', {}, SERVICE_ENV, (rest) =>
    run('serve', rest),
  );
  leaf(
    argv,
    program,
    'consume',
    'run the metrics consumer (traces, metrics, summaries, alerts, dashboard)',
    { replay: { type: 'boolean' } },
    SERVICE_ENV,
    (rest) => run('consume', rest),
  );
  leaf(
    argv,
    program,
    'summary',
    "print the consumer's benchmark summaries",
    { json: { type: 'boolean' }, markdown: { type: 'boolean' } },
    'environment: VECTORADMIN_DATA_DIR (where the consumer keeps its checkpoint)',
    (rest) => run('summary', rest),
  );
  leaf(
    argv,
    program,
    'bench',
    'load-test the ETL -> VectorAdmin -> store flow and write a report (see docs/BENCHMARKS.md)',
    BENCH_OPTIONS,
    SERVICE_ENV,
    (rest) => run('bench', rest),
  );
  const collections = program.command('collections').description("manage a tenant's collections");
  for (const [name, summary] of [
    ['create', 'create a collection; fails when it exists'],
    ['ensure', 'create a collection unless it exists with the same config'],
    ['get', 'describe one collection with its point count'],
    ['list', "list the tenant's collections"],
    ['delete', 'delete a collection'],
  ] as const)
    leaf(argv, collections, name, summary, COLLECTION_OPTIONS, CLIENT_ENV, (rest) =>
      run('collections', [name, ...rest]),
    );
  const admin = program.command('admin').description('operator views across tenants (admin key)');
  leaf(
    argv,
    admin,
    'collections',
    "every tenant's collections with points, index, sizes, creation and write activity",
    ADMIN_COLLECTIONS_OPTIONS,
    CLIENT_ENV,
    (rest) => run('admin', ['collections', ...rest]),
  );
  const tenants = program
    .command('tenants')
    .description('provision a tenant from the table profiles, describe or remove it');
  for (const [name, summary] of [
    [
      'provision',
      'ensure every profiled table for the tenant; per table: created, already present or conflict',
    ],
    ['describe', "the tenant's collections beside the table profiles"],
    [
      'deprovision',
      "delete all of the tenant's collections and shared-table memberships (admin key)",
    ],
  ] as const)
    leaf(argv, tenants, name, summary, TENANT_OPTIONS, CLIENT_ENV, (rest) =>
      run('tenants', [name, ...rest]),
    );
  const tables = program.command('tables').description('the table profiles');
  leaf(
    argv,
    tables,
    'list',
    'the table profiles in force on the server (VECTORADMIN_TABLES_FILE, or the built-in profile)',
    TENANT_OPTIONS,
    CLIENT_ENV,
    (rest) => run('tables', ['list', ...rest]),
  );
  const points = program.command('points').description('read points by id, delete points');
  leaf(
    argv,
    points,
    'get',
    'read points by id, under the ids they were written with; ids not stored are left out',
    POINTS_GET_OPTIONS,
    CLIENT_ENV,
    (rest) => run('points', ['get', ...rest]),
  );
  leaf(
    argv,
    points,
    'delete',
    'delete points by ids and/or filter',
    POINTS_DELETE_OPTIONS,
    CLIENT_ENV,
    (rest) => run('points', ['delete', ...rest]),
  );
  leaf(
    argv,
    program,
    'ingest',
    'stream a JSONL file ({"id"|"record_id","vector","payload"} per line); resumable',
    INGEST_OPTIONS,
    CLIENT_ENV,
    (rest) => run('ingest', rest),
  ).argument('<file>', 'JSONL file');
  leaf(argv, program, 'search', 'nearest points to a vector', QUERY_OPTIONS, CLIENT_ENV, (rest) =>
    run('search', rest),
  );
  leaf(
    argv,
    program,
    'count',
    'count points matching a filter',
    QUERY_OPTIONS,
    CLIENT_ENV,
    (rest) => run('count', rest),
  );
  const probe = program
    .command('probe')
    .description("the service's performance probe (PERFORMANCE_TEST_TENANT_ID)");
  leaf(
    argv,
    probe,
    'run',
    'run the probe now and print each step (admin key); exit 1 when it failed',
    PROBE_OPTIONS,
    CLIENT_ENV,
    (rest) => run('probe', ['run', ...rest]),
  );
  return program;
}
