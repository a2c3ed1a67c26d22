#!/usr/bin/env node
import type { ServiceError } from '@grpc/grpc-js';
import { CommanderError } from 'commander';
import { ConfigError, loadConfig } from '../config/index.js';
import { statusDetails } from '../client/index.js';
import { UsageError, type CliCommand } from './args.js';
import { callErrorText } from './call-error.js';
import { JsonlError } from './jsonl-points.js';
import { buildProgram, type RunnerKind } from './program.js';
import { StartError } from '../supervisor/start-command.js';

// Loaded when run: the server, the consumer and the bench take about a second to load, which
// --help and every client command would otherwise pay.
const COMMANDS: Record<Exclude<RunnerKind, 'serve' | 'consume'>, () => Promise<CliCommand>> = {
  collections: async () => (await import('./collections-command.js')).collectionsCommand,
  admin: async () => (await import('./admin-command.js')).adminCommand,
  tenants: async () => (await import('./tenants-command.js')).tenantsCommand,
  tables: async () => (await import('./tenants-command.js')).tablesCommand,
  points: async () => (await import('./points-command.js')).pointsCommand,
  ingest: async () => (await import('./ingest-command.js')).ingestCommand,
  search: async () => (await import('./query-commands.js')).searchCommand,
  count: async () => (await import('./query-commands.js')).countCommand,
  start: async () => (await import('../supervisor/start-command.js')).startCommand,
  summary: async () => (await import('./summary-command.js')).summaryCommand,
  bench: async () => (await import('./bench-command.js')).benchCommand,
  probe: async () => (await import('./probe-command.js')).probeCommand,
};

/** Runs one CLI command; exit codes: 0 ok, 1 failed call, 2 bad usage or configuration. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram(argv, async (kind, rest) => {
    if (kind === 'serve') return (await import('../main-server.js')).serveMain();
    if (kind === 'consume') return (await import('../main-consumer.js')).consumeMain(rest);
    await runCommand(await COMMANDS[kind](), rest);
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
