#!/usr/bin/env node
import type { ServiceError } from '@grpc/grpc-js';
import { CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/index.js';
import { consumeMain } from '../main-consumer.js';
import { serveMain } from '../main-server.js';
import { statusDetails } from '../client/index.js';
import { UsageError, type CliCommand } from './args.js';
import { adminCommand } from './admin-command.js';
import { callErrorText } from './call-error.js';
import { collectionsCommand } from './collections-command.js';
import { ingestCommand } from './ingest-command.js';
import { JsonlError } from './jsonl-points.js';
import { pointsCommand } from './points-command.js';
import { probeCommand } from './probe-command.js';
import { buildProgram, type RunnerKind } from './program.js';
import { countCommand, searchCommand } from './query-commands.js';
import { summaryCommand } from './summary-command.js';
import { tablesCommand, tenantsCommand } from './tenants-command.js';
import { StartError, startCommand } from '../supervisor/index.js';
import { benchCommand } from './bench-command.js';

const COMMANDS: Record<Exclude<RunnerKind, 'serve' | 'consume'>, CliCommand> = {
  collections: collectionsCommand,
  admin: adminCommand,
  tenants: tenantsCommand,
  tables: tablesCommand,
  points: pointsCommand,
  ingest: ingestCommand,
  search: searchCommand,
  count: countCommand,
  start: startCommand,
  summary: summaryCommand,
  bench: benchCommand,
  probe: probeCommand,
};

/** Runs one CLI command; exit codes: 0 ok, 1 failed call, 2 bad usage or configuration. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram(argv, async (kind, rest) => {
    if (kind === 'serve') return serveMain();
    if (kind === 'consume') return consumeMain(rest);
    await runCommand(COMMANDS[kind], rest);
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    // Help and version exit 0; every usage mistake (commander already printed it) exits 2.
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  }
}

async function runCommand(command: CliCommand, argv: string[]): Promise<void> {
  try {
    await command(argv, loadConfig(), (text) => process.stdout.write(`${text}\n`));
  } catch (err) {
    if (err instanceof StartError || err instanceof JsonlError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exitCode = 2;
    } else if (err instanceof UsageError) {
      process.stderr.write(`error: ${err.message} (add --help for usage)\n`);
      process.exitCode = 2;
    } else if (typeof (err as Partial<ServiceError>).code === 'number') {
      const e = err as ServiceError;
      const text = callErrorText(e.details || e.message, statusDetails(e).fieldViolations);
      process.stderr.write(`${text}\n`);
      process.exitCode = 1;
    } else throw err;
  }
}

// A reader that stops early (`vector-admin search --help | head`) is not this command's failure.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});
await main(process.argv.slice(2));
