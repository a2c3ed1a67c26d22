import { closeSync, fstatSync, openSync, renameSync, writeSync } from 'node:fs';

/** Default cap of one log file: past it the file becomes `<file>.1` and a new one starts. */
export const DEFAULT_LOG_FILE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * An append-only log file that never grows past `maxBytes` (plus one rotated `<file>.1`) and
 * never throws: a line it cannot write (a full disk, a removed directory) is counted and
 * dropped, and the next write tries again, so logging resumes by itself when space returns.
 * Writes are synchronous on purpose: a write stream that meets ENOSPC emits 'error' and is
 * finished for good (issue 17: an unhandled one took the whole stack down), while a log line
 * is small and the file lives on local disk.
 */
export class LogFile {
  #fd: number | undefined;
  #size = 0;
  #dropped = 0;
  #closed = false;

  constructor(
    readonly file: string,
    private readonly maxBytes = DEFAULT_LOG_FILE_MAX_BYTES,
  ) {}

  /** Lines dropped so far because they could not be written. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Appends `text` (one or more whole lines); drops it when the file cannot take it. */
  write(text: string): void {
    if (this.#closed) return;
    const bytes = Buffer.from(text, 'utf8');
    try {
      this.#open();
      if (this.#size > 0 && this.#size + bytes.length > this.maxBytes) this.#rotate();
      const fd = this.#open();
      if (this.#dropped > 0) {
        const note = `{"level":"warn","msg":"log lines dropped: the log file could not be written","dropped":${this.#dropped}}\n`;
        this.#append(fd, Buffer.from(note, 'utf8'));
        this.#dropped = 0;
      }
      this.#append(fd, bytes);
    } catch {
      this.#dropped += countLines(text);
      this.#reset();
    }
  }

  /** Closes the file; later writes are ignored. */
  close(): void {
    this.#closed = true;
    this.#reset();
  }

  #open(): number {
    if (this.#fd === undefined) {
      this.#fd = openSync(this.file, 'a');
      this.#size = fstatSync(this.#fd).size;
    }
    return this.#fd;
  }

  #rotate(): void {
    this.#reset();
    renameSync(this.file, `${this.file}.1`);
  }

  // A short write counts as a failure: what it stored stays (a torn line), the rest is dropped.
  #append(fd: number, bytes: Buffer): void {
    const written = writeSync(fd, bytes);
    this.#size += written;
    if (written < bytes.length) throw new Error('short write');
  }

  // Reopen on the next write: the directory or file may have changed underneath.
  #reset(): void {
    if (this.#fd === undefined) return;
    try {
      closeSync(this.#fd);
    } catch {
      // Nothing to do about a close that fails; the descriptor is gone either way.
    }
    this.#fd = undefined;
  }
}

function countLines(text: string): number {
  let lines = 0;
  for (const c of text) if (c === '\n') lines++;
  return Math.max(1, lines);
}
