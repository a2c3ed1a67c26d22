import {
  mkdir,
  open,
  readdir,
  rename,
  rm,
  writeFile,
  readFile,
  type FileHandle,
} from 'node:fs/promises';
import { join } from 'node:path';

/** One queued message as the journal stores it. */
export interface JournalRecord {
  readonly id: string;
  readonly subject: string;
  /** W3C trace context, sent as NATS headers too. */
  readonly traceparent?: string;
  readonly tracestate?: string;
  /** The CloudEvent JSON; never contains a raw newline (JSON.stringify escapes them). */
  readonly payload: string;
}

/** A record with its position: the journal numbers records 0, 1, 2... in append order. */
export interface JournalEntry extends JournalRecord {
  readonly index: number;
}

interface Segment {
  /** Index of the segment's first record; also its file name. */
  readonly start: number;
  readonly file: string;
}

interface ReadHint {
  readonly index: number;
  readonly segment: number;
  readonly offset: number;
}

const CURSOR = 'cursor';
const SEGMENT = /^(\d{16})\.log$/;
const NEWLINE = 0x0a;

/**
 * The outbox's files: append-only segments of one record per line (`id subject traceparent
 * tracestate payload`, `-` for absent trace fields) named by their first record's index, and a
 * cursor file holding the index of the first record not yet acknowledged by JetStream.
 *
 * Durability: appends are written to the page cache (no fsync), which survives a kill of this
 * process; the cursor is replaced atomically (write + rename). An OS crash may lose the last
 * appends, as it may lose JetStream's own unsynced writes (docs/PLATFORM.md: out of scope). `close`
 * fsyncs. A cursor that lags behind real acks only resends records, which the stream's
 * duplicate window drops by their Nats-Msg-Id.
 */
export class OutboxJournal {
  private cursorWrite: Promise<void> = Promise.resolve();
  private cursorWanted: number;
  private cursorWritten: number;
  private hint: ReadHint | undefined;
  private activeBytes: number;
  private failure: Error | undefined;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly segmentMaxBytes: number,
    private readonly segments: Segment[],
    private active: FileHandle,
    activeBytes: number,
    /** Index the next appended record gets. */
    private end: number,
    acked: number,
  ) {
    this.activeBytes = activeBytes;
    this.cursorWanted = acked;
    this.cursorWritten = acked;
  }

  /** Opens (or creates) the journal in `dir`, dropping a torn last line left by a crash. */
  static async open(dir: string, segmentMaxBytes: number): Promise<OutboxJournal> {
    await mkdir(dir, { recursive: true });
    const names = (await readdir(dir)).filter((n) => SEGMENT.test(n)).sort();
    const segments = names.map((file) => ({ start: Number(file.slice(0, 16)), file }));
    let cursor = await readCursor(join(dir, CURSOR));
    let last = segments.at(-1);
    if (last === undefined) {
      last = { start: cursor ?? 0, file: segmentName(cursor ?? 0) };
      segments.push(last);
    }
    const handle = await open(join(dir, last.file), 'a+');
    const { lines, bytes } = await completeLines(handle);
    await handle.truncate(bytes);
    const end = last.start + lines;
    cursor = Math.min(Math.max(cursor ?? 0, segments[0]?.start ?? 0), end);
    const journal = new OutboxJournal(dir, segmentMaxBytes, segments, handle, bytes, end, cursor);
    await journal.dropAckedSegments();
    return journal;
  }

  /** Index of the first record not known to be acknowledged, as last persisted. */
  get acked(): number {
    return this.cursorWritten;
  }

  /** Index the next appended record will get; records below it are on disk. */
  get nextIndex(): number {
    return this.end;
  }

  /** Appends records in one write; they get the next indexes. Not concurrent-safe: callers serialize. */
  async append(records: readonly JournalRecord[]): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    const buffer = Buffer.from(records.map(encode).join(''), 'utf8');
    try {
      // A full disk or a file-size limit can write part of the buffer without an error: only
      // a whole write counts, or `end` would pass records that are not on disk.
      for (let written = 0; written < buffer.length;) {
        const { bytesWritten } = await this.active.write(
          buffer,
          written,
          buffer.length - written,
          null,
        );
        if (bytesWritten === 0) throw new Error('outbox journal write made no progress');
        written += bytesWritten;
      }
    } catch (err) {
      // Put the file back the way it was so line numbers keep matching indexes; if that
      // fails too, the journal can no longer be trusted with new records.
      await this.active.truncate(this.activeBytes).catch((truncateErr: unknown) => {
        this.failure = new Error('outbox journal is damaged', { cause: truncateErr });
      });
      throw err;
    }
    this.activeBytes += buffer.length;
    this.end += records.length;
    if (this.activeBytes >= this.segmentMaxBytes) {
      // A failed rotation (e.g. out of file descriptors) costs nothing but a longer segment:
      // appends go on into this one, and the next append tries again.
      await this.rotate().catch(() => undefined);
    }
  }

  /** True once the journal can no longer be trusted with records (until a restart). */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Up to `max` records from index `from` (below `nextIndex` at call time), in order. */
  async read(from: number, max: number, maxBytes = 1 << 20): Promise<JournalEntry[]> {
    const until = Math.min(this.end, from + max);
    if (from >= until) return [];
    const segmentIndex = this.segments.findLastIndex((s) => s.start <= from);
    const segment = this.segments[segmentIndex];
    if (segment === undefined) throw new Error(`outbox record ${from} is not on disk`);
    let offset = 0;
    let index = segment.start;
    if (this.hint?.index === from && this.hint.segment === segment.start) {
      ({ index, offset } = this.hint);
    }
    const entries: JournalEntry[] = [];
    const handle = await open(join(this.dir, segment.file), 'r');
    try {
      const chunk = Buffer.allocUnsafe(maxBytes);
      while (index < until) {
        const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
        if (bytesRead === 0) break;
        const data = chunk.subarray(0, bytesRead);
        let lineStart = 0;
        for (
          let nl = data.indexOf(NEWLINE);
          nl !== -1 && index < until;
          nl = data.indexOf(NEWLINE, lineStart)
        ) {
          if (index >= from)
            entries.push({ index, ...decode(data.toString('utf8', lineStart, nl)) });
          index += 1;
          lineStart = nl + 1;
        }
        if (lineStart === 0)
          throw new Error(`outbox record ${index} is longer than ${maxBytes} bytes`);
        offset += lineStart;
      }
    } finally {
      await handle.close();
    }
    this.hint = { index, segment: segment.start, offset };
    if (entries.length === 0)
      throw new Error(`outbox record ${from} is missing from ${segment.file}`);
    return entries;
  }

  /** Records below `acked` are acknowledged: persists the cursor and deletes spent segments. */
  commit(acked: number): Promise<void> {
    // After close the files may belong to a new journal on the same dir: leave them alone.
    if (acked <= this.cursorWanted || this.closed) return this.cursorWrite;
    this.cursorWanted = acked;
    // One write at a time, each writing the newest value: commits coalesce under load.
    this.cursorWrite = this.cursorWrite
      .catch(() => undefined)
      .then(async () => {
        const value = this.cursorWanted;
        if (value <= this.cursorWritten) return;
        const path = join(this.dir, CURSOR);
        await writeFile(`${path}.tmp`, `${value}\n`);
        await rename(`${path}.tmp`, path);
        this.cursorWritten = value;
        await this.dropAckedSegments();
      });
    return this.cursorWrite;
  }

  /** Waits for cursor writes, fsyncs and closes the active segment. */
  async close(): Promise<void> {
    this.closed = true;
    await this.cursorWrite.catch(() => undefined);
    await this.active.sync();
    await this.active.close();
  }

  // The new segment is opened before the old one is let go: a failed open changes nothing.
  private async rotate(): Promise<void> {
    const segment = { start: this.end, file: segmentName(this.end) };
    const next = await open(join(this.dir, segment.file), 'a+');
    const previous = this.active;
    this.active = next;
    this.activeBytes = 0;
    this.segments.push(segment);
    await previous.close().catch(() => undefined);
  }

  // A segment is spent when the next one starts at or below the persisted cursor.
  private async dropAckedSegments(): Promise<void> {
    while (
      this.segments.length > 1 &&
      (this.segments[1]?.start ?? Infinity) <= this.cursorWritten
    ) {
      const [spent] = this.segments.splice(0, 1);
      if (spent !== undefined) await rm(join(this.dir, spent.file), { force: true });
    }
  }
}

function segmentName(start: number): string {
  return `${String(start).padStart(16, '0')}.log`;
}

async function readCursor(path: string): Promise<number | undefined> {
  try {
    const value = Number((await readFile(path, 'utf8')).trim());
    return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

// Counts the complete lines of a segment; bytes after the last newline are a torn append.
async function completeLines(handle: FileHandle): Promise<{ lines: number; bytes: number }> {
  const chunk = Buffer.allocUnsafe(1 << 20);
  let lines = 0;
  let bytes = 0;
  for (let offset = 0; ;) {
    const { bytesRead } = await handle.read(chunk, 0, chunk.length, offset);
    if (bytesRead === 0) return { lines, bytes };
    for (
      let nl = chunk.indexOf(NEWLINE);
      nl !== -1 && nl < bytesRead;
      nl = chunk.indexOf(NEWLINE, nl + 1)
    ) {
      lines += 1;
      bytes = offset + nl + 1;
    }
    offset += bytesRead;
  }
}

function encode(record: JournalRecord): string {
  const tracestate = record.tracestate === undefined ? '-' : encodeURIComponent(record.tracestate);
  return `${record.id} ${record.subject} ${record.traceparent ?? '-'} ${tracestate} ${record.payload}\n`;
}

function decode(line: string): JournalRecord {
  const [id = '', subject = '', traceparent = '-', tracestate = '-'] = line.split(' ', 4);
  const payload = line.slice(
    id.length + subject.length + traceparent.length + tracestate.length + 4,
  );
  return {
    id,
    subject,
    ...(traceparent === '-' ? {} : { traceparent }),
    ...(tracestate === '-' ? {} : { tracestate: decodeURIComponent(tracestate) }),
    payload,
  };
}
