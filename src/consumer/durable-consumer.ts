import {
  AckPolicy,
  DeliverPolicy,
  NatsError,
  ReplayPolicy,
  nanos,
  type ConsumerConfig,
  type JetStreamManager,
} from 'nats';
import { EVENTS_SUBJECT_WILDCARD } from '../events/index.js';

/** JetStream's error code for "consumer not found". */
const CONSUMER_NOT_FOUND = 10014;

/** The durable pull consumer's settings. */
export interface DurableSettings {
  readonly stream: string;
  readonly name: string;
  readonly ackWaitMs: number;
  readonly maxAckPending: number;
}

/** The configuration of the metrics consumer's durable: explicit acks, every event from the start. */
export function durableConfig(settings: DurableSettings): Partial<ConsumerConfig> {
  return {
    durable_name: settings.name,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    replay_policy: ReplayPolicy.Instant,
    filter_subject: EVENTS_SUBJECT_WILDCARD,
    ack_wait: nanos(settings.ackWaitMs),
    max_ack_pending: settings.maxAckPending,
    // Unlimited redeliveries: an event is only ever dropped by being applied (or judged invalid).
    max_deliver: -1,
  };
}

/**
 * Creates the durable consumer or brings its updatable settings to the wanted ones; with
 * `fresh`, deletes it first so delivery restarts at the stream's first event (replay).
 * Returns the stream sequence every message up to which was acked (0 for a new consumer).
 */
export async function provisionDurable(
  jsm: JetStreamManager,
  settings: DurableSettings,
  fresh: boolean,
): Promise<number> {
  const wanted = durableConfig(settings);
  if (fresh) {
    await jsm.consumers.delete(settings.stream, settings.name).catch((err: unknown) => {
      if (!isConsumerNotFound(err)) throw err;
    });
  }
  try {
    const info = await jsm.consumers.info(settings.stream, settings.name);
    const current = info.config;
    if (
      current.ack_wait !== wanted.ack_wait ||
      current.max_ack_pending !== wanted.max_ack_pending
    ) {
      await jsm.consumers.update(settings.stream, settings.name, {
        ack_wait: wanted.ack_wait,
        max_ack_pending: wanted.max_ack_pending,
      });
    }
    return info.ack_floor.stream_seq;
  } catch (err) {
    if (!isConsumerNotFound(err)) throw err;
  }
  await jsm.consumers.add(settings.stream, wanted);
  return 0;
}

/** The durable's ack floor: every stream sequence up to it was acked. */
export async function ackFloor(jsm: JetStreamManager, settings: DurableSettings): Promise<number> {
  return (await jsm.consumers.info(settings.stream, settings.name)).ack_floor.stream_seq;
}

function isConsumerNotFound(err: unknown): boolean {
  return err instanceof NatsError && err.api_error?.err_code === CONSUMER_NOT_FOUND;
}
