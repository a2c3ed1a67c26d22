import {
  DiscardPolicy,
  ErrorCode,
  NatsError,
  RetentionPolicy,
  StorageType,
  nanos,
  type JetStreamManager,
  type StreamConfig,
} from 'nats';
import { EVENTS_SUBJECT_WILDCARD } from './subjects.js';

/** The events stream's name and limits; -1 (bytes, messages) and 0 (age) mean unlimited. */
export interface EventsStreamLimits {
  readonly name: string;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly maxMsgs: number;
  readonly duplicateWindowMs: number;
  readonly replicas: number;
}

/** JetStream's error code for "stream not found". */
const STREAM_NOT_FOUND = 10059;

/** The stream configuration the service needs; pure, so tests can inspect it. */
export function eventsStreamConfig(
  limits: EventsStreamLimits,
): Partial<StreamConfig> & { name: string } {
  return {
    name: limits.name,
    subjects: [EVENTS_SUBJECT_WILDCARD],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    // At its limits the stream refuses new events instead of silently evicting old ones
    // (docs/PLATFORM.md): the outbox keeps them and reports, so nothing is lost unnoticed.
    discard: DiscardPolicy.New,
    max_age: nanos(limits.maxAgeMs),
    max_bytes: limits.maxBytes,
    max_msgs: limits.maxMsgs,
    // Retries carry the same Nats-Msg-Id; within this window the stream drops the copies. The
    // server refuses a window longer than a (non-zero) max_age.
    duplicate_window: nanos(
      limits.maxAgeMs > 0
        ? Math.min(limits.duplicateWindowMs, limits.maxAgeMs)
        : limits.duplicateWindowMs,
    ),
    num_replicas: limits.replicas,
  };
}

/**
 * Creates the events stream or brings an existing one to the configured subjects and limits.
 * Idempotent, and safe when several instances race: a lost create turns into an update.
 */
export async function provisionEventsStream(
  jsm: JetStreamManager,
  limits: EventsStreamLimits,
): Promise<'created' | 'updated' | 'unchanged'> {
  const wanted = eventsStreamConfig(limits);
  let current: StreamConfig;
  try {
    current = (await jsm.streams.info(limits.name)).config;
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
    try {
      await jsm.streams.add(wanted);
      return 'created';
    } catch (addErr) {
      // Another instance may have created it meanwhile; if not, the add's error is the news.
      const info = await jsm.streams.info(limits.name).catch(() => undefined);
      if (info === undefined) throw addErr;
      current = info.config;
    }
  }
  const keys = [
    'subjects',
    'discard',
    'max_age',
    'max_bytes',
    'max_msgs',
    'duplicate_window',
    'num_replicas',
  ] as const;
  const same = keys.every((k) => JSON.stringify(current[k]) === JSON.stringify(wanted[k]));
  if (same) return 'unchanged';
  await jsm.streams.update(limits.name, { ...current, ...wanted });
  return 'updated';
}

/** True for JetStream's "stream not found" answer. */
export function isStreamNotFound(err: unknown): boolean {
  return err instanceof NatsError && err.api_error?.err_code === STREAM_NOT_FOUND;
}

/**
 * True when no JetStream answered (not enabled, not ready yet, or no stream binds the subject).
 * JetStream's own refusals can carry code 503 too (a full stream: "maximum messages exceeded");
 * those come with an API error and are answers, not silence.
 */
export function isNoResponders(err: unknown): boolean {
  return (
    err instanceof NatsError &&
    err.code === String(ErrorCode.NoResponders) &&
    err.api_error === undefined
  );
}
