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
}

/** The bucket and the TTL every process agrees on (the bucket's own). */
export interface LeaseBucket {
  readonly kv: KV;
  readonly ttlMs: number;
}

/** Opens the lease bucket, creating it when missing. */
export async function openLeaseBucket(options: LeaseBucketOptions): Promise<LeaseBucket> {
  let kv: KV;
  let ttlMs: number;
  try {
    kv = await options.nc.jetstream().views.kv(LEASE_BUCKET, {
      history: 1,
      ttl: options.ttlMs,
      replicas: options.replicas,
      max_bytes: LEASE_BUCKET_BYTES,
    });
    ttlMs = (await kv.status()).ttl;
  } catch (err) {
    if (errCode(err) !== INSUFFICIENT_RESOURCES) throw err;
    throw new VectorAdminError(
      'failed_precondition',
      `JetStream has no room for the consumer lease bucket ${LEASE_BUCKET} (1 MiB of file storage): ${(err as Error).message}`,
      { cause: err },
    );
  }
  if (!(ttlMs > 0)) {
    throw new VectorAdminError(
      'failed_precondition',
      `the consumer lease bucket ${LEASE_BUCKET} has no max_age, so a dead holder's lease would never expire; delete it (nats kv rm ${LEASE_BUCKET}) while no consumer runs`,
    );
  }
  if (ttlMs !== options.ttlMs) {
    options.logger.warn(
      'the consumer lease bucket has its own TTL, which every consumer uses; to change it, stop every consumer and delete the bucket',
      { bucket: LEASE_BUCKET, bucketTtlMs: ttlMs, configuredTtlMs: options.ttlMs },
    );
  }
  return { kv, ttlMs };
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
 * Deletes the bucket's stream and makes a new one. Every holder under the old bucket fails
 * its next renewal and stops committing within TTL/2, so the caller waits that long before
 * taking the lease in the new one.
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
  return openLeaseBucket(options);
}

export function errCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}
