import { setTimeout as sleep } from 'node:timers/promises';
import { NatsError, type JetStreamManager, type KV, type NatsConnection } from 'nats';
import { VectorAdminError, type Logger } from '../domain/index.js';

/** The JetStream key-value bucket holding one lease per durable consumer. */
export const LEASE_BUCKET = 'VECTORADMIN_CONSUMER_LEASES';
/** The stream JetStream keeps the bucket in. */
const LEASE_STREAM = `KV_${LEASE_BUCKET}`;

/**
 * The bucket's size bound. A lease is ~250 bytes; a bound keeps the reservation small on
 * servers whose JetStream storage the events stream has mostly reserved.
 */
const LEASE_BUCKET_BYTES = 1 << 20;

/** JetStream's "wrong last sequence": someone else wrote the key since we read it. */
export const WRONG_LAST_SEQUENCE = 10071;
/** JetStream's "insufficient resources": no storage left to reserve for the bucket. */
const INSUFFICIENT_RESOURCES = 10047;
const STREAM_NOT_FOUND = 10059;

/** Where the bucket lives and what a new one is made of. */
export interface LeaseBucketOptions {
  readonly nc: NatsConnection;
  /** The TTL of a new bucket; an existing bucket's own TTL is the one every process uses. */
  readonly ttlMs: number;
  readonly replicas: number;
  readonly logger: Logger;
  /** Gives up waiting when aborted (the process is stopping). */
  readonly signal?: AbortSignal;
}

/** The bucket and the TTL every process agrees on (the bucket's own). */
export interface LeaseBucket {
  readonly kv: KV;
  readonly ttlMs: number;
}

/**
 * Opens the lease bucket, creating it when missing, and rebuilding it when it cannot hold a
 * lease: no max_age (a dead holder's key would never expire) or sealed (no key can be written;
 * sealing also drops max_age).
 */
export async function openLeaseBucket(options: LeaseBucketOptions): Promise<LeaseBucket> {
  const { bucket, fault } = await openOnce(options);
  return fault === undefined ? bucket : rebuildLeaseBucket(options, fault);
}

async function openOnce(
  options: LeaseBucketOptions,
): Promise<{ bucket: LeaseBucket; fault?: string }> {
  let kv: KV;
  let ttlMs: number;
  let sealed: boolean;
  try {
    kv = await options.nc.jetstream().views.kv(LEASE_BUCKET, {
      history: 1,
      ttl: options.ttlMs,
      replicas: options.replicas,
      max_bytes: LEASE_BUCKET_BYTES,
    });
    const status = await kv.status();
    ttlMs = status.ttl;
    sealed = status.streamInfo.config.sealed === true;
  } catch (err) {
    if (errCode(err) !== INSUFFICIENT_RESOURCES) throw err;
    throw new VectorAdminError(
      'failed_precondition',
      `JetStream has no room for the consumer lease bucket ${LEASE_BUCKET} (1 MiB of file storage): ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (sealed) return { bucket: { kv, ttlMs }, fault: 'the bucket is sealed' };
  if (!(ttlMs > 0)) {
    const fault = "the bucket has no max_age, so a dead holder's key would never expire";
    return { bucket: { kv, ttlMs }, fault };
  }
  if (ttlMs !== options.ttlMs) {
    options.logger.warn(
      'the consumer lease bucket has its own TTL, which every consumer uses; to change it, stop every consumer and delete the bucket',
      { bucket: LEASE_BUCKET, bucketTtlMs: ttlMs, configuredTtlMs: options.ttlMs },
    );
  }
  return { bucket: { kv, ttlMs } };
}

/**
 * Why the bucket cannot be trusted, or undefined. A lease is one message per key: a key with
 * several (a broker recovering from a crash has been seen to keep them, and then to answer
 * reads with nothing while every create succeeds) or a per-key limit above one means a create
 * no longer excludes a rival.
 */
export async function leaseBucketFault(
  nc: NatsConnection,
  key: string,
): Promise<string | undefined> {
  const jsm = await nc.jetstreamManager();
  const subject = `$KV.${LEASE_BUCKET}.${key}`;
  const info = await jsm.streams.info(LEASE_STREAM, { subjects_filter: subject });
  const onKey = info.state.subjects?.[subject] ?? 0;
  if (onKey > 1) return `${onKey} messages on the lease key, where the bucket keeps one`;
  if (info.config.max_msgs_per_subject !== 1) {
    return `the bucket keeps ${info.config.max_msgs_per_subject} messages per key, where a lease needs one`;
  }
  return undefined;
}

/**
 * Deletes the bucket's stream and makes a new one, then waits TTL/2: every holder under the
 * old bucket fails its next renewal and has stopped committing by then.
 */
export async function rebuildLeaseBucket(
  options: LeaseBucketOptions,
  reason: string,
): Promise<LeaseBucket> {
  options.logger.error('the consumer lease bucket cannot be trusted; rebuilding it', {
    bucket: LEASE_BUCKET,
    reason,
  });
  const jsm: JetStreamManager = await options.nc.jetstreamManager();
  await jsm.streams.delete(LEASE_STREAM).catch((err: unknown) => {
    if (errCode(err) !== STREAM_NOT_FOUND) throw err;
  });
  const { bucket, fault } = await openOnce(options);
  if (fault !== undefined) {
    throw new VectorAdminError(
      'failed_precondition',
      `the rebuilt lease bucket ${LEASE_BUCKET} is unusable: ${fault}`,
    );
  }
  await sleep(bucket.ttlMs / 2, undefined, options.signal ? { signal: options.signal } : {});
  return bucket;
}

export function errCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}
