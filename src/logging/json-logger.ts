import type { LogFields, Logger } from '../domain/index.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

/** A Logger writing one JSON object per line to a stream (stderr by default). */
export class JsonLogger implements Logger {
  constructor(
    private readonly level: Level = 'info',
    private readonly fields: LogFields = {},
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {}

  debug(message: string, fields?: LogFields): void {
    this.write('debug', message, fields);
  }
  info(message: string, fields?: LogFields): void {
    this.write('info', message, fields);
  }
  warn(message: string, fields?: LogFields): void {
    this.write('warn', message, fields);
  }
  error(message: string, fields?: LogFields): void {
    this.write('error', message, fields);
  }
  child(fields: LogFields): Logger {
    return new JsonLogger(this.level, { ...this.fields, ...fields }, this.out);
  }

  private write(level: Level, message: string, fields: LogFields | undefined): void {
    if (LEVELS[level] < LEVELS[this.level]) return;
    const line = { time: new Date().toISOString(), level, msg: message, ...this.fields, ...fields };
    this.out.write(`${JSON.stringify(line, errorReplacer)}\n`);
  }
}

/** A Logger that drops everything, for tests and tools that must stay quiet. */
export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  child: () => silentLogger,
};

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack, cause: value.cause };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}
