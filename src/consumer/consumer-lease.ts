import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { nanos, NatsError, type KV, type NatsConnection } from 'nats';
import { VectorAdminError, type Logger } from '../domain/index.js';

/** The JetStream key-value bucket holding one lease per durable consumer. */
export const LEASE_BUCKET = 'VECTORADMIN_CONSUMER_LEASES';

/**
 * The bucket's size bound. A lease is ~150 bytes; a bound keeps the reservation small on
 * servers whose JetStream storage the events stream has mostly reserved.
 */
const LEASE_BUCKET_BYTES = 1 << 20;

/** JetStream's "wrong last sequence": someone else wrote the key since we read it. */
const WRONG_LAST_SEQUENCE = 10071;

/** Who holds a lease: enough to tell a dead holder on this host from a live one elsewhere. */
interface Holder {
  readonly host: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly since: string;
}

/** Where the lease lives and how long it lasts without renewal. */
export interface ConsumerLeaseOptions {
  readonly nc: NatsConnection;
  /** The durable consumer's name: one active process per name. */
  readonly key: string;
  readonly ttlMs: number;
  /** Replicas of the lease bucket: the events stream's, so it survives what the stream does. */
  readonly replicas: number;
  readonly dataDir: string;
  readonly logger: Logger;
  /** Gives up waiting when aborted (the process is stopping). */
  readonly signal?: AbortSignal;
}

/**
 * One active process per durable consumer. JetStream shares a durable's messages out among
 * every process reading it, and each process's checkpoint would then hold partial summaries;
 * so a process first takes this lease and the others stand by until it is free.
 *
 * The lease is a key in a bucket whose max_age is the TTL: the holder renews it every TTL/3
 * with a compare-and-set on its revision, and a key nobody renews expires, which lets a standby
 * `create` it. The holder stops committing checkpoints once TTL/2 has passed since the last
 * renewal it sent (`valid`), well before anyone else can hold the key, so a holder cut off from
 * NATS never writes over its successor's checkpoint. A holder on this host whose process is
 * gone (killed) is taken over at once instead of after the TTL.
 */
export class ConsumerLease {
  private renewedAt: number;
  private timer: NodeJS.Timeout | undefined;
  private markLost: (err: unknown) => void = () => undefined;
  /** Settles when another process took the lease: this one must stop. */
  readonly lost: Promise<unknown>;

  private constructor(
    private readonly kv: KV,
    private readonly options: ConsumerLeaseOptions,
    private revision: number,
    sentAt: number,
  ) {
    this.renewedAt = sentAt;
    this.lost = new Promise((resolve) => (this.markLost = resolve));
    this.timer = setInterval(() => void this.renew(), Math.max(100, options.ttlMs / 3));
    this.timer.unref();
  }

  /** Waits until this process holds the lease (standing by while another one does). */
  static async acquire(options: ConsumerLeaseOptions): Promise<ConsumerLease> {
    const kv = await openBucket(options.nc, options.ttlMs, options.replicas);
    const me = JSON.stringify(holderOf(options.dataDir));
    let announced = false;
    for (;;) {
      options.signal?.throwIfAborted();
      const sentAt = performance.now();
      const revision = await tryTake(kv, options.key, me);
      if (revision !== undefined) {
        if (announced) options.logger.info('took over the consumer lease', { key: options.key });
        return new ConsumerLease(kv, options, revision, sentAt);
      }
      if (!announced) {
        const current = await kv.get(options.key).catch(() => null);
        options.logger.info('standing by: another process holds this consumer', {
          key: options.key,
          holder: current?.string(),
        });
        announced = true;
      }
      await sleep(
        Math.max(50, options.ttlMs / 4),
        undefined,
        options.signal ? { signal: options.signal } : {},
      );
    }
  }

  /** Whether checkpoints may still be committed under this lease. */
  get valid(): boolean {
    return this.timer !== undefined && performance.now() - this.renewedAt < this.options.ttlMs / 2;
  }

  /** Throws unavailable unless `valid`: the guard in front of every checkpoint. */
  assertValid(): void {
    if (!this.valid) {
      throw new VectorAdminError(
        'unavailable',
        `the consumer lease ${this.options.key} is not held`,
      );
    }
  }

  /** Stops renewing and frees the lease, so a standby takes over without waiting for the TTL. */
  async release(): Promise<void> {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.kv.delete(this.options.key, { previousSeq: this.revision }).catch(() => undefined);
  }

  private async renew(): Promise<void> {
    const sentAt = performance.now();
    try {
      const value = JSON.stringify(holderOf(this.options.dataDir));
      this.revision = await this.kv.update(this.options.key, value, this.revision);
      this.renewedAt = sentAt;
    } catch (err) {
      if (errCode(err) !== WRONG_LAST_SEQUENCE) {
        // NATS away or slow: keep trying; `valid` lapses on its own if this goes on.
        this.options.logger.debug('cannot renew the consumer lease yet', { err });
        return;
      }
      if (this.timer === undefined) return;
      clearInterval(this.timer);
      this.timer = undefined;
      this.options.logger.error('lost the consumer lease to another process', {
        key: this.options.key,
      });
      this.markLost(
        new VectorAdminError('failed_precondition', `lost the consumer lease ${this.options.key}`),
      );
    }
  }
}

async function openBucket(nc: NatsConnection, ttlMs: number, replicas: number): Promise<KV> {
  let kv: KV;
  try {
    kv = await nc.jetstream().views.kv(LEASE_BUCKET, {
      history: 1,
      ttl: ttlMs,
      replicas,
      max_bytes: LEASE_BUCKET_BYTES,
    });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new VectorAdminError(
      'failed_precondition',
      `cannot open the consumer lease bucket ${LEASE_BUCKET} (1 MiB of JetStream file storage): ${reason}`,
      { cause: err },
    );
  }
  // An existing bucket keeps the max_age it was made with; the configured TTL is the one.
  const status = await kv.status();
  if (status.ttl !== ttlMs) {
    const jsm = await nc.jetstreamManager();
    const info = await jsm.streams.info(status.streamInfo.config.name);
    await jsm.streams.update(info.config.name, { ...info.config, max_age: nanos(ttlMs) });
  }
  return kv;
}

/** Takes the key when it is free or its holder died on this host; its revision, or undefined. */
async function tryTake(kv: KV, key: string, me: string): Promise<number | undefined> {
  try {
    return await kv.create(key, me);
  } catch (err) {
    if (errCode(err) !== WRONG_LAST_SEQUENCE) throw err;
  }
  const current = await kv.get(key);
  if (current === null || current.operation !== 'PUT') return undefined;
  if (!isDeadHereHolder(current.string())) return undefined;
  try {
    return await kv.update(key, me, current.revision);
  } catch (err) {
    if (errCode(err) === WRONG_LAST_SEQUENCE) return undefined;
    throw err;
  }
}

function isDeadHereHolder(value: string): boolean {
  let holder: Partial<Holder>;
  try {
    holder = JSON.parse(value) as Partial<Holder>;
  } catch {
    return false;
  }
  if (holder.host !== hostname() || typeof holder.pid !== 'number') return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

function holderOf(dataDir: string): Holder {
  return { host: hostname(), pid: process.pid, dataDir, since: new Date().toISOString() };
}

function errCode(err: unknown): number | undefined {
  return err instanceof NatsError ? err.api_error?.err_code : undefined;
}
