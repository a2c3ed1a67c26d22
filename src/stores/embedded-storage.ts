import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { CollectionStorage } from '../domain/types.js';
import { toStoreError } from './lance-errors.js';

/**
 * The footprint of an embedded collection: the bytes of every file in its table directory
 * (data, deletion files, indexes, versions kept for reads in flight) and the directory's birth
 * time as its creation time (unset where the file system records none). Undefined when the
 * table is missing.
 */
export async function embeddedStorage(
  dataDir: string,
  name: string,
): Promise<CollectionStorage | undefined> {
  const dir = path.join(dataDir, `${name}.lance`);
  try {
    const top = await stat(dir);
    let diskBytes = 0;
    for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      // A compaction may remove a file between the listing and its stat.
      const file = await stat(path.join(entry.parentPath, entry.name)).catch(() => undefined);
      diskBytes += file?.size ?? 0;
    }
    return {
      name,
      diskBytes,
      ...(top.birthtimeMs > 0 ? { createdAt: new Date(top.birthtimeMs) } : {}),
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw toStoreError(err, `describe the storage of collection "${name}"`);
  }
}
