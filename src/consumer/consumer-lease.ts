import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KV, NatsConnection } from 'nats';
import { VectorAdminError, type Logger } from '../domain/index.js';
import {
  WRONG_LAST_SEQUENCE,
  errCode,
  leaseBucketFault,
  openLeaseBucket,
  rebuildLeaseBucket,
  type LeaseBucket,
} from './lease-bucket.js';

/** Settles `ConsumerLease.lost`: another process holds the lease, or it expired meanwhile. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
}

/**
 * Who holds a lease. `token` tells this holder's own writes apart; the rest lets a standby
 * tell a dead holder in its own host and PID namespace from a live one anywhere else.
 */
interface Holder {
  readonly token: string;
  readonly host: string;
  readonly bootId?: string;
  readonly pidNamespace?: string;
  readonly pid: number;
  readonly dataDir: string;
  readonly since: string;
}

/** Where the lease lives and how long it lasts without renewal. */
export interface ConsumerLeaseOptions {
  readonly nc: NatsConnection;
  /** The durable consumer's name: one active process per name. */
  readonly key: string;
  /** The TTL of a new bucket; an existing bucket's own TTL is the one every process uses. */
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
 * The lease is a key in a bucket whose max_age is the TTL: the holder renews it every TTL/5
 * with a compare-and-set on its revision, and a key nobody renews expires, which lets a standby
 * `create` it. The holder stops committing checkpoints once TTL/2 has passed since the last
 * renewal it sent (`valid`), well before anyone else can hold the key, so a holder cut off from
 * NATS stops writing before a successor starts (docs/OPERATIONS.md names the one narrow gap: a
 * write that stalls for over TTL/2 after it began). The TTL is the bucket's own, never the
 * caller's, so processes configured differently still agree on it. A holder in this host and
 * PID namespace whose process is gone (killed) is taken over at once instead of after the TTL.
 */
export class ConsumerLease {
  private renewedAt: number;
  private renewing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private markLost: (err: LeaseLostError) => void = () => undefined;
  /** Settles when the lease is gone (taken, or expired while NATS was away): stop now. */
  readonly lost: Promise<LeaseLostError>;

  private constructor(
    private readonly kv: KV,
    private readonly options: ConsumerLeaseOptions,
    /** The bucket's TTL, which may differ from the one configured. */
    readonly ttlMs: number,
    private readonly me: Holder,
    private revision: number,
    sentAt: number,
  ) {
    this.renewedAt = sentAt;
    this.lost = new Promise((resolve) => (this.markLost = resolve));
    // Every TTL/5 against a validity of TTL/2: a slow renewal or a busy event loop has
    // 3 TTL/10 of slack before checkpoints pause.
    this.timer = setInterval(() => void this.renew(), Math.max(100, ttlMs / 5));
    this.timer.unref();
  }

  /**
   * Waits until this process holds the lease (standing by while another one does). A bucket
   * that cannot be trusted (see leaseBucketFault, or a lease that does not read back as
   * written) is rebuilt, so no broker state leaves every process standing by or losing the
   * lease it just took.
   */
  static async acquire(options: ConsumerLeaseOptions): Promise<ConsumerLease> {
    const { key, logger, signal } = options;
    let bucket: LeaseBucket = await openLeaseBucket(options);
    const me = holderOf(options.dataDir);
    let announced = false;
    let failingSince: number | undefined;
    for (;;) {
      signal?.throwIfAborted();
      const sentAt = performance.now();
      let take: Take = {};
      try {
        const fault = await leaseBucketFault(options.nc, key);
        take = fault === undefined ? await tryTake(bucket.kv, key, me) : { fault };
        failingSince = undefined;
      } catch (err) {
        if (signal?.aborted === true) throw err;
        // NATS restarting or slow: a standby keeps waiting rather than dying.
        logger.debug('cannot read the consumer lease yet', { key, err });
        failingSince ??= sentAt;
        // A whole TTL of failures: a bucket that cannot take writes (sealed, say) is rebuilt;
        // with NATS away the rebuild fails too, and is tried again a TTL later.
        if (sentAt - failingSince > bucket.ttlMs) {
          take = { fault: `the lease could not be taken for a whole TTL: ${String(err)}` };
          failingSince = undefined;
        }
      }
      if (take.fault !== undefined) {
        try {
          bucket = await rebuildLeaseBucket(options, take.fault);
        } catch (err) {
          if (signal?.aborted === true) throw err;
          logger.warn('cannot rebuild the consumer lease bucket yet', { err });
          await sleep(Math.max(50, bucket.ttlMs / 4), undefined, signal ? { signal } : {});
        }
        continue;
      }
      if (take.revision !== undefined) {
        if (announced) logger.info('took over the consumer lease', { key });
        return new ConsumerLease(bucket.kv, options, bucket.ttlMs, me, take.revision, sentAt);
      }
      if (!announced) {
        const current = await bucket.kv.get(key).catch(() => null);
        logger.info('standing by: another process holds this consumer', {
          key,
          holder: current?.string(),
        });
        announced = true;
      }
      await sleep(Math.max(50, bucket.ttlMs / 4), undefined, signal ? { signal } : {});
    }
  }

  /** Whether checkpoints may still be committed under this lease. */
  get valid(): boolean {
    return this.timer !== undefined && performance.now() - this.renewedAt < this.ttlMs / 2;
  }

  /** Throws unavailable unless `valid`: the guard before a checkpoint and before its acks. */
  assertValid(): void {
    if (!this.valid) {
      const message = `the consumer lease ${this.options.key} is not held`;
      throw new VectorAdminError('unavailable', message);
    }
  }

  /** Stops renewing and frees the lease, so a standby takes over without waiting for the TTL. */
  async release(): Promise<void> {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    // A renewal under way moves the revision the delete must name.
    await this.renewing;
    await this.kv.delete(this.options.key, { previousSeq: this.revision }).catch(() => undefined);
  }

  private renew(): Promise<void> {
    // One at a time: two renewals of one revision would make the second look like a rival's.
    if (this.renewing !== undefined || this.timer === undefined) return Promise.resolve();
    this.renewing = this.renewOnce().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async renewOnce(): Promise<void> {
    const sentAt = performance.now();
    try {
      const value = JSON.stringify({ ...this.me, since: new Date().toISOString() });
      this.revision = await this.kv.update(this.options.key, value, this.revision);
      this.renewedAt = sentAt;
    } catch (err) {
      if (errCode(err) !== WRONG_LAST_SEQUENCE) {
        // NATS away or slow: keep trying; `valid` lapses on its own if this goes on. After a
        // whole TTL the key is gone anyway (or the bucket with it): take it afresh.
        this.options.logger.debug('cannot renew the consumer lease yet', { err });
        if (performance.now() - this.renewedAt > this.ttlMs) {
          this.lose('the consumer lease could not be renewed for a whole TTL', undefined);
        }
        return;
      }
      await this.onConflict();
    }
  }

  // A renewal whose reply was lost (a timeout) may have landed: then the key is still ours.
  private async onConflict(): Promise<void> {
    const current = await this.kv.get(this.options.key).catch(() => undefined);
    if (current === undefined) return; // cannot tell yet: the next renewal asks again
    if (current?.operation === 'PUT' && tokenOf(current.string()) === this.me.token) {
      this.revision = current.revision;
      return;
    }
    const taken = current?.operation === 'PUT';
    this.lose(
      taken ? 'lost the consumer lease to another process' : 'the consumer lease expired',
      taken ? current.string() : undefined,
    );
  }

  private lose(reason: string, holder: string | undefined): void {
    if (this.timer === undefined) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.options.logger.error(reason, { key: this.options.key, holder });
    this.markLost(new LeaseLostError(`lost the consumer lease ${this.options.key}: ${reason}`));
  }
}

/** A lease taken (its revision), a bucket found untrustworthy (why), or neither (held elsewhere). */
interface Take {
  readonly revision?: number;
  readonly fault?: string;
}

/**
 * Takes the key when it is free, already ours (a create whose reply was lost), or its holder
 * died here, and reads it back: a write the bucket does not show was never a lease.
 */
async function tryTake(kv: KV, key: string, me: Holder): Promise<Take> {
  const revision = await write(kv, key, me);
  if (revision === undefined) return {};
  const entry = await kv.get(key);
  if (entry?.operation === 'PUT' && tokenOf(entry.string()) === me.token) {
    return { revision: entry.revision };
  }
  // A rival's takeover right after our write is the bucket working; anything else is not.
  if (entry?.operation === 'PUT' && entry.revision > revision) return {};
  const seen = entry === null ? 'nothing' : `${entry.operation} at revision ${entry.revision}`;
  return { fault: `the lease written at revision ${revision} reads back as ${seen}` };
}

async function write(kv: KV, key: string, me: Holder): Promise<number | undefined> {
  const value = JSON.stringify(me);
  try {
    return await kv.create(key, value);
  } catch (err) {
    if (errCode(err) !== WRONG_LAST_SEQUENCE) throw err;
  }
  const current = await kv.get(key);
  if (current === null || current.operation !== 'PUT') return undefined;
  if (tokenOf(current.string()) === me.token) return current.revision;
  if (!isDeadHolderHere(current.string())) return undefined;
  try {
    return await kv.update(key, value, current.revision);
  } catch (err) {
    if (errCode(err) === WRONG_LAST_SEQUENCE) return undefined;
    throw err;
  }
}

// Only a holder in this very host boot and PID namespace can be judged by its pid: containers
// that share a hostname (host networking, a fixed compose hostname) have PID namespaces apart.
function isDeadHolderHere(value: string): boolean {
  const holder = parseHolder(value);
  const here = placeOfThisProcess();
  if (holder === undefined || here.bootId === undefined || here.pidNamespace === undefined) {
    return false;
  }
  const sameNamespace =
    holder.host === here.host &&
    holder.bootId === here.bootId &&
    holder.pidNamespace === here.pidNamespace;
  if (!sameNamespace || typeof holder.pid !== 'number') return false;
  try {
    process.kill(holder.pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

type Place = Pick<Holder, 'host' | 'bootId' | 'pidNamespace'>;
let place: Place | undefined;

/** This process's host, host boot and PID namespace; read once, they never change. */
function placeOfThisProcess(): Place {
  place ??= {
    host: hostname(),
    ...optionalText('bootId', () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8')),
    ...optionalText('pidNamespace', () => readlinkSync('/proc/self/ns/pid')),
  };
  return place;
}

function holderOf(dataDir: string): Holder {
  return {
    token: randomUUID(),
    ...placeOfThisProcess(),
    pid: process.pid,
    dataDir,
    since: new Date().toISOString(),
  };
}

function optionalText<K extends string>(key: K, read: () => string): Partial<Record<K, string>> {
  try {
    return { [key]: read().trim() } as Record<K, string>;
  } catch {
    return {};
  }
}

function parseHolder(value: string): Partial<Holder> | undefined {
  try {
    return JSON.parse(value) as Partial<Holder>;
  } catch {
    return undefined;
  }
}

function tokenOf(value: string): string | undefined {
  return parseHolder(value)?.token;
}
