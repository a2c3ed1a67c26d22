import { connect, type NatsConnection } from 'nats';
import { parseCloudEvent, type CloudEvent } from '../../src/events/index.js';
import { waitFor } from './wait-for.js';

/** The subject every service start is announced on; not an operation of any call. */
export const SERVICE_STARTED_SUBJECT = 'vectoradmin.v1._._.service_started';

/** How `readAllEvents` reads: `withServiceEvents` keeps the service_started announcements. */
export interface ReadEventsOptions {
  readonly withServiceEvents?: boolean;
}

/**
 * Every event in the stream, read from its start, once at least `atLeast` are there. Unless
 * told otherwise, the service's start announcements are left out, both of the count and of the
 * result: they are not events of the calls a test makes.
 */
export async function readAllEvents(
  natsUrl: string,
  stream: string,
  atLeast: number,
  timeoutMs = 20_000,
  options: ReadEventsOptions = {},
): Promise<CloudEvent[]> {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  const withService = options.withServiceEvents === true;
  try {
    const jsm = await nc.jetstreamManager();
    const counted = async () => {
      const info = await jsm.streams.info(stream, { subjects_filter: SERVICE_STARTED_SUBJECT });
      const announcements = withService ? 0 : (info.state.subjects?.[SERVICE_STARTED_SUBJECT] ?? 0);
      return { messages: info.state.messages, calls: info.state.messages - announcements };
    };
    await waitFor(async () => (await counted()).calls >= atLeast, {
      timeoutMs,
      reason: `${atLeast} events in stream ${stream}`,
    });
    const { messages } = await counted();
    const consumer = await nc.jetstream().consumers.get(stream);
    const events: CloudEvent[] = [];
    const fetched = await consumer.fetch({ max_messages: messages, expires: 5_000 });
    let read = 0;
    for await (const m of fetched) {
      if (withService || m.subject !== SERVICE_STARTED_SUBJECT)
        events.push(parseCloudEvent(m.data));
      read += 1;
      if (read === messages) break;
    }
    return events;
  } finally {
    await nc.close();
  }
}
