#!/usr/bin/env node
import type { ServiceError } from '@grpc/grpc-js';
import { ConfigError, loadConfig, type Config } from '../config/index.js';
import { consumeMain } from '../main-consumer.js';
import { serveMain } from '../main-server.js';
import { statusDetails } from '../client/index.js';
import { UsageError } from './args.js';
import { collectionsCommand } from './collections-command.js';
import { ingestCommand } from './ingest-command.js';
import { JsonlError } from './jsonl-points.js';
import { countCommand, searchCommand } from './query-commands.js';
import { summaryCommand } from './summary-command.js';
import { StartError, startCommand } from '../supervisor/index.js';
import { benchCommand } from './bench-command.js';

const USAGE = `usage: vector-admin <command> [options]

  start                       run everything: service, metrics consumer, dashboard (and NATS if needed)
  serve                       run the gRPC service
  consume [--replay]          run the metrics consumer (traces, metrics, summaries, alerts, dashboard)
  summary [--json|--markdown] print the consumer's benchmark summaries
  bench [--quick|--full]      load-test the ETL -> VectorAdmin -> store flow and write a report
  collections create|ensure|get|list|delete [--tenant T] [--table X] [--size N] [--distance cosine|euclid|dot|manhattan]
  ingest FILE --table X       stream a JSONL file ({"id"|"record_id","vector","payload"}), resumable
  search --table X --vector '[...]' [--limit N] [--filter JSON] [--payload]
  count --table X [--filter JSON]

client options: --address host:port (VECTORADMIN_GRPC_ADDR)  --key KEY (VECTORADMIN_API_KEY)  --tenant T  --json
configuration: environment variables, see README.md`;

type Command = (argv: string[], config: Config, out: (text: string) => void) => Promise<void>;

const COMMANDS: Record<string, Command> = {
  collections: collectionsCommand,
  ingest: ingestCommand,
  search: searchCommand,
  count: countCommand,
  start: startCommand,
  summary: summaryCommand,
  bench: benchCommand,
};

/** Runs one CLI command; exit codes: 0 ok, 1 failed call, 2 bad usage or configuration. */
export async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === 'serve') return serveMain();
  if (name === 'consume') return consumeMain(rest);
  const command = name === undefined ? undefined : COMMANDS[name];
  if (command === undefined) {
    process.stderr.write(`${USAGE}\n`);
    process.exitCode = name === undefined || name === 'help' || name === '--help' ? 0 : 2;
    return;
  }
  try {
    await command(rest, loadConfig(), (text) => process.stdout.write(`${text}\n`));
  } catch (err) {
    if (err instanceof StartError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n\n${err instanceof UsageError ? USAGE : ''}\n`);
      process.exitCode = 2;
    } else if (err instanceof JsonlError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    } else if (typeof (err as Partial<ServiceError>).code === 'number') {
      const e = err as ServiceError;
      const fields = statusDetails(e).fieldViolations.map((v) => `${v.field}: ${v.message}`);
      process.stderr.write(
        `error: ${e.details || e.message}${fields.length > 0 ? `\n  ${fields.join('\n  ')}` : ''}\n`,
      );
      process.exitCode = 1;
    } else throw err;
  }
}

await main(process.argv.slice(2));
