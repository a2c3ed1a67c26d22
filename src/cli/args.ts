import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Config } from '../config/index.js';

/** A command-line mistake: printed with usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A CLI command: its arguments (after its name), the loaded config, and where output goes. */
export type CliCommand = (
  argv: string[],
  config: Config,
  out: (text: string) => void,
) => Promise<void>;

/** Flags of one command, in node:util parseArgs form (also what its --help lists). */
export type Options = NonNullable<ParseArgsConfig['options']>;

/** Options every client command takes. */
export const CLIENT_OPTIONS = {
  address: { type: 'string' },
  key: { type: 'string' },
  tenant: { type: 'string', default: '' },
  json: { type: 'boolean', default: false },
} as const satisfies Options;

/** Parses `argv` strictly; unknown flags are a UsageError. */
export function parse<O extends Options>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** A required string flag. */
export function required(value: string | undefined, flag: string): string {
  if (value === undefined || value === '') throw new UsageError(`--${flag} is required`);
  return value;
}

/** A positive integer flag. */
export function positiveInt(value: string | undefined, flag: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} must be a positive integer`);
  return n;
}
