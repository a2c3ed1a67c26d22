import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { OutboxJournal, type JournalEntry } from '../../src/events/outbox-journal.js';

const record = (i: number) => ({
  id: `id-${i}`,
  subject: 'vectoradmin.v1.acme.docs.upsert',
  payload: JSON.stringify({ i, pad: 'x'.repeat(200) }),
});

async function readAll(journal: OutboxJournal): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < journal.nextIndex) {
    const entries: JournalEntry[] = await journal.read(ids.length, journal.nextIndex - ids.length);
    ids.push(...entries.map((e) => e.id));
  }
  return ids;
}

test('outbox journal - a segment that cannot be started costs a longer segment, not the journal', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-journal-rotation-'));
  try {
    const journal = await OutboxJournal.open(dir, 1200);
    // Something squats on the name of the segment the first rotation will want (index 5).
    const squatter = path.join(dir, `${String(5).padStart(16, '0')}.log`);
    await mkdir(squatter);
    let i = 0;
    for (; i < 5; i += 1) await journal.append([record(i)]); // 258 B each: rotation due at 5
    assert.equal(journal.failed, false, 'a failed rotation leaves the journal taking records');
    assert.equal((await readdir(dir)).filter((f) => f.endsWith('.log')).length, 2);
    // The next append writes on into the long segment, then rotates under the next free name.
    for (; i < 10; i += 1) await journal.append([record(i)]);
    assert.equal(journal.nextIndex, 10);
    await rm(squatter, { recursive: true });
    const files = (await readdir(dir)).filter((f) => f.endsWith('.log')).sort();
    assert.ok(files.length >= 2, `rotated after the failure: ${files.join(', ')}`);
    const expected = Array.from({ length: 10 }, (_, k) => `id-${k}`);
    assert.deepEqual(await readAll(journal), expected);
    await journal.close();
    const reopened = await OutboxJournal.open(dir, 1200);
    assert.deepEqual(await readAll(reopened), expected, 'and after a restart');
    await reopened.close();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
