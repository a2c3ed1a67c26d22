import type { JetStreamManager } from 'nats';
import type { Logger } from '../domain/index.js';
import { FIXED_SETTINGS } from '../config/index.js';
import { isStreamNotFound, provisionEventsStream } from '../events/index.js';

/** The events settings the stream is created with. */
export interface EventsStreamSettings {
  readonly stream: string;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly replicas: number;
}

/**
 * Makes sure the events stream exists, creating it when the consumer starts before any
 * service did. An existing stream is left alone: its limits are the service's to set.
 */
export async function ensureEventsStream(
  jsm: JetStreamManager,
  events: EventsStreamSettings,
  logger: Logger,
): Promise<void> {
  try {
    await jsm.streams.info(events.stream);
    return;
  } catch (err) {
    if (!isStreamNotFound(err)) throw err;
  }
  const result = await provisionEventsStream(jsm, {
    name: events.stream,
    maxAgeMs: events.maxAgeMs,
    maxBytes: events.maxBytes,
    // The service's defaults, so its own provisioning later finds the stream unchanged.
    ...FIXED_SETTINGS.eventsStream,
    replicas: events.replicas,
  });
  logger.info(`events stream ${result} by the metrics consumer`, { stream: events.stream });
}
