/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** Structured logging port; the JSON adapter lives in src/logging/. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}
