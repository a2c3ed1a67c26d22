export { DisabledEventBus } from './disabled-event-bus.js';
export { NatsEventBus, createNatsEventBus } from './nats-event-bus.js';
export type { NatsEventBusOptions } from './nats-event-bus.js';
export {
  MAX_ERROR_MESSAGE_CHARS,
  operationEventSchema,
  parseCloudEvent,
  toCloudEvent,
} from './cloud-event.js';
export type { CloudEvent, OperationEventData } from './cloud-event.js';
export { eventsStreamConfig, isStreamNotFound, provisionEventsStream } from './events-stream.js';
export type { EventsStreamLimits } from './events-stream.js';
export type { OutboxState } from './outbox.js';
export { closeConnection } from './nats-link.js';
export { SummaryActivityFeed } from './summary-activity.js';
export { connectNats, natsServers } from './nats-connect.js';
export type { NatsConnectMode, NatsTarget } from './nats-connect.js';
export {
  ALERTS_SUBJECT,
  EVENTS_SUBJECT_WILDCARD,
  SUMMARIES_SUBJECT_WILDCARD,
  eventSubject,
  parseEventSubject,
  summarySubject,
} from './subjects.js';
