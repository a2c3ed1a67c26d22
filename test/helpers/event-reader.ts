import { connect, type NatsConnection } from 'nats';
import { parseCloudEvent, type CloudEvent } from '../../src/events/index.js';
import { waitFor } from './wait-for.js';

/** Every event in the stream, read from its start, once at least `atLeast` are there. */
export async function readAllEvents(
  natsUrl: string,
  stream: string,
  atLeast: number,
  timeoutMs = 20_000,
): Promise<CloudEvent[]> {
  const nc: NatsConnection = await connect({ servers: natsUrl });
  try {
    const jsm = await nc.jetstreamManager();
    await waitFor(
      async () => {
        const info = await jsm.streams.info(stream);
        return info.state.messages >= atLeast;
      },
      { timeoutMs, reason: `${atLeast} events in stream ${stream}` },
    );
    const info = await jsm.streams.info(stream);
    const consumer = await nc.jetstream().consumers.get(stream);
    const events: CloudEvent[] = [];
    const messages = await consumer.fetch({ max_messages: info.state.messages, expires: 5_000 });
    for await (const m of messages) {
      events.push(parseCloudEvent(m.data));
      if (events.length === info.state.messages) break;
    }
    return events;
  } finally {
    await nc.close();
  }
}
