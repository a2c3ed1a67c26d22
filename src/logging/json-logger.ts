import type { LogFields, Logger } from '../domain/index.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type Level = keyof typeof LEVELS;

// Streams whose write errors are already handled, so a child logger adds no listener.
const guardedStreams = new WeakSet<NodeJS.WritableStream>();

/**
 * A Logger writing one JSON object per line to a stream (stderr by default). A line the stream
 * cannot take (stderr on a full disk, a closed pipe) is lost, never the process: the stream's
 * 'error' events are handled. Stack traces go only into `error` lines, which report faults; a
 * `warn` about a refused call (a full disk, an outbox at its bound) names the cause alone.
 */
export class JsonLogger implements Logger {
  constructor(
    private readonly level: Level = 'info',
    private readonly fields: LogFields = {},
    private readonly out: NodeJS.WritableStream = process.stderr,
  ) {
    if (!guardedStreams.has(out)) {
      guardedStreams.add(out);
      out.on('error', () => undefined);
    }
  }

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
    const replacer = level === 'error' ? withStacks : withoutStacks;
    try {
      this.out.write(`${JSON.stringify(line, replacer)}\n`);
    } catch {
      // A synchronous stream (stderr to a file) throws on a full disk: the line is lost.
    }
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

function withStacks(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    return { name: value.name, message: value.message, stack: value.stack, cause: value.cause };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}

function withoutStacks(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: value.message, code, cause: value.cause };
  }
  return typeof value === 'bigint' ? value.toString() : value;
}
