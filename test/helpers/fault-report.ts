import { appendFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

/** The part of docs/RELIABILITY.md a reliability test contributes to. */
export type ReliabilityKind = 'fault' | 'input' | 'isolation' | 'load';

/** One line of test-results/reliability.jsonl: what a test did and what it checked against. */
export interface ReliabilityEntry {
  readonly kind: ReliabilityKind;
  /** The test title. */
  readonly test: string;
  /** What was done to the system (the fault, the inputs, the load). */
  readonly what: string;
  /** What "nothing lost" / "nothing leaked" was checked against. */
  readonly checked: string;
  /** Measured figures: counts, cases, durations, bytes. */
  readonly figures: Readonly<Record<string, number | string>>;
}

const DEFAULT_FILE = path.resolve(import.meta.dirname, '../../test-results/reliability.jsonl');

/** Where entries go: RELIABILITY_REPORT=1 means the default file, any other value is a path. */
export function reliabilityReportFile(): string | undefined {
  const setting = process.env.RELIABILITY_REPORT;
  if (setting === undefined || setting === '' || setting === '0') return undefined;
  return setting === '1' ? DEFAULT_FILE : path.resolve(setting);
}

/** Appends `entry` when RELIABILITY_REPORT is set; a no-op otherwise. */
export async function reportReliability(entry: ReliabilityEntry): Promise<void> {
  const file = reliabilityReportFile();
  if (file === undefined) return;
  await mkdir(path.dirname(file), { recursive: true });
  await appendFile(file, `${JSON.stringify({ ...entry, at: new Date().toISOString() })}\n`);
}
