// Child process for outbox-journal-limits.test.ts, run under a file-size limit (ulimit -f):
// appends until the limit refuses records, then reads everything back, also after reopening,
// and prints what it found as one JSON line.
import { OutboxJournal, type JournalEntry } from '../../src/events/outbox-journal.js';

const dir = process.argv[2] ?? '';
const record = (i: number) => ({
  id: `id-${i}`,
  subject: 'vectoradmin.v1.acme.docs.upsert',
  payload: JSON.stringify({ i, pad: 'x'.repeat(900) }),
});

async function readAll(journal: OutboxJournal, until: number): Promise<string[]> {
  const ids: string[] = [];
  while (ids.length < until) {
    const entries: JournalEntry[] = await journal.read(ids.length, until - ids.length);
    ids.push(...entries.map((e) => e.id));
  }
  return ids;
}

const journal = await OutboxJournal.open(dir, 16 << 20);
let accepted = 0;
let failures = 0;
for (let round = 0; round < 500 && failures < 3; round += 1) {
  const batch = Array.from({ length: 7 }, (_, k) => record(accepted + k));
  try {
    await journal.append(batch);
    accepted += batch.length;
  } catch {
    failures += 1;
  }
}
const readBack = await readAll(journal, journal.nextIndex);
await journal.close();
const reopened = await OutboxJournal.open(dir, 16 << 20);
const afterReopen = await readAll(reopened, reopened.nextIndex);
await reopened.close();
process.stdout.write(
  `${JSON.stringify({ accepted, failures, nextIndex: journal.nextIndex, readBack, reopenedNext: reopened.nextIndex, afterReopen })}\n`,
);
