import { parseEventSubject } from '../events/index.js';

/** Which share of the tenants one consumer process counts: `index` of `count`. */
export interface Partition {
  readonly index: number;
  readonly count: number;
}

/** The whole stream: what a single consumer counts. */
export const WHOLE_STREAM: Partition = { index: 0, count: 1 };

/**
 * The partition a tenant's events belong to: FNV-1a (32-bit) of the tenant id, modulo `count`.
 * Summaries are keyed by tenant, so partitioning by tenant gives every summary exactly one
 * owner; events that name no valid tenant ("") belong to partition 0.
 */
export function partitionOfTenant(tenantId: string, count: number): number {
  if (count <= 1 || tenantId === '') return 0;
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(tenantId)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % count;
}

/**
 * Whether the event on `subject` is this partition's to count. Decided from the subject alone,
 * without parsing the event, so skipping other partitions' events costs almost nothing. A
 * subject that is not an event subject goes to partition 0, which reports it as invalid.
 */
export function ownsSubject(partition: Partition, subject: string): boolean {
  if (partition.count <= 1) return true;
  const tenantId = parseEventSubject(subject)?.tenantId ?? '';
  return partitionOfTenant(tenantId, partition.count) === partition.index;
}

const MAX_REMEMBERED_SUBJECTS = 100_000;

/**
 * `ownsSubject` for one partition, remembering its answers: subjects repeat (tenants × tables ×
 * operations), and the check runs for every event of every partition.
 */
export function subjectFilter(partition: Partition): (subject: string) => boolean {
  if (partition.count <= 1) return () => true;
  const known = new Map<string, boolean>();
  return (subject) => {
    let owned = known.get(subject);
    if (owned === undefined) {
      owned = ownsSubject(partition, subject);
      if (known.size >= MAX_REMEMBERED_SUBJECTS) known.clear();
      known.set(subject, owned);
    }
    return owned;
  };
}

/**
 * The durable consumer's name (and checkpoint directory) of one partition: the configured
 * name for a single consumer, `<name>-p<index>-of-<count>` otherwise. A new partition count
 * therefore means new durables that read the stream from its start, never a checkpoint reused
 * under a different assignment of tenants.
 */
export function durableName(name: string, partition: Partition): string {
  return partition.count <= 1 ? name : `${name}-p${partition.index}-of-${partition.count}`;
}
