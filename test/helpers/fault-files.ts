import { chmod, readdir } from 'node:fs/promises';
import path from 'node:path';

/**
 * Makes every directory under `root` (and `root`) unwritable or writable again, so a store
 * cannot create files there: LanceDB writes each commit as new files, never in place.
 * Root ignores permissions: run the writer as another user (fault-service-process.ts).
 */
export async function setTreeWritable(root: string, writable: boolean): Promise<void> {
  const dirs = [root];
  for (let i = 0; i < dirs.length; i++) {
    const dir = dirs[i]!;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(path.join(dir, entry.name));
    }
  }
  for (const dir of dirs) await chmod(dir, writable ? 0o755 : 0o555);
}
