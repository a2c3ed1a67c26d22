import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { VectorAdminError } from '../domain/index.js';
import type { AppliedLogJson } from './applied-log.js';
import type { SummaryStateJson } from './summary-state.js';

const VERSION = 1;

/** Everything the consumer needs to resume: what it applied and what that added up to. */
export interface Checkpoint {
  readonly version: typeof VERSION;
  readonly stream: string;
  readonly consumer: string;
  readonly savedAt: string;
  readonly applied: AppliedLogJson;
  readonly summary: SummaryStateJson;
}

/** Where a consumer's checkpoint lives: `<dataDir>/consumer/<name>/checkpoint.json`. */
export function checkpointPath(dataDir: string, consumerName: string): string {
  return path.join(dataDir, 'consumer', consumerName, 'checkpoint.json');
}

/** Reads a checkpoint; undefined when there is none. Throws internal when it is unreadable. */
export async function readCheckpoint(file: string): Promise<Checkpoint | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VectorAdminError('internal', `cannot read checkpoint ${file}`, { cause: err });
  }
  let checkpoint: Checkpoint;
  try {
    checkpoint = JSON.parse(text) as Checkpoint;
  } catch (err) {
    throw new VectorAdminError('internal', `checkpoint ${file} is not JSON`, { cause: err });
  }
  if (checkpoint.version !== VERSION) {
    throw new VectorAdminError(
      'failed_precondition',
      `checkpoint ${file} has unknown version ${String(checkpoint.version)}; rebuild it with consume --replay`,
    );
  }
  return checkpoint;
}

/**
 * Writes a checkpoint atomically and durably: a temp file, fsync, rename over the old one,
 * fsync the directory. A crash leaves the old checkpoint or the new one, never a torn file,
 * which the exactly-once argument in applied-log.ts relies on.
 */
export async function writeCheckpoint(
  file: string,
  content: Omit<Checkpoint, 'version' | 'savedAt'>,
): Promise<void> {
  const dir = path.dirname(file);
  await mkdir(dir, { recursive: true });
  const temp = `${file}.tmp`;
  const checkpoint: Checkpoint = {
    version: VERSION,
    savedAt: new Date().toISOString(),
    ...content,
  };
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(JSON.stringify(checkpoint));
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dirHandle = await open(dir, 'r');
  try {
    await dirHandle.sync();
  } finally {
    await dirHandle.close();
  }
}

/** Deletes a checkpoint (for --replay); no error when there is none. */
export async function deleteCheckpoint(file: string): Promise<void> {
  await rm(file, { force: true });
  await rm(`${file}.tmp`, { force: true });
}
