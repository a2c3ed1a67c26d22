import { accessSync, constants } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { headers, type JetStreamClient, type MsgHdrs } from 'nats';
import { VectorAdminError } from '../domain/errors.js';
import type { Logger } from '../domain/logger.js';
import type { EventBus, EventReservation, OperationEvent } from '../domain/ports.js';
import { toCloudEvent } from './cloud-event.js';
import { isNoResponders, type EventsStreamLimits } from './events-stream.js';
import { NatsLink } from './nats-link.js';
import { Outbox, type OutboxState } from './outbox.js';
import type { JournalEntry } from './outbox-journal.js';
import { FIXED_SETTINGS } from '../config/index.js';

/** Settings of the NATS event bus; names follow `Config['events']` where they overlap. */
export interface NatsEventBusOptions {
  /** One server URL or several, comma-separated. */
  readonly natsUrl: string;
  readonly credsFile?: string;
  /** Stream name, e.g. VECTORADMIN_EVENTS. */
  readonly stream: string;
  /** The outbox journal lives in `<dataDir>/outbox`. */
  readonly dataDir: string;
  /** Bound on events waiting for JetStream; beyond it `publish` rejects unavailable. */
  readonly outboxMaxEvents: number;
  readonly maxAgeMs: number;
  readonly maxBytes: number;
  readonly maxMsgs?: number;
  readonly duplicateWindowMs?: number;
  readonly replicas: number;
  /** CloudEvents `source`; defaults to `/vectoradmin/<hostname>`. */
  readonly source?: string;
  readonly logger: Logger;
  readonly ackTimeoutMs?: number;
  /** How long `close` keeps sending pending events. */
  readonly flushTimeoutMs?: number;
  /** Tuning, defaults fit production: acks in flight, events held in memory, segment size. */
  readonly outboxWindow?: number;
  readonly outboxMemoryEntries?: number;
  readonly outboxSegmentMaxBytes?: number;
  /** Called when the outbox becomes full or not, connected or not, or its last error changes. */
  readonly onStateChange?: (state: OutboxState) => void;
}

const CONTENT_TYPE = 'application/cloudevents+json; charset=utf-8';
const encoder = new TextEncoder();

/**
 * The `EventBus` on NATS JetStream. Events go through a disk-backed outbox (outbox.ts), so
 * `publish` never waits for NATS, and the service starts and serves while NATS is down
 * (`health()` says degraded) and catches up when it comes (nats-link.ts).
 */
export class NatsEventBus implements EventBus {
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly options: NatsEventBusOptions,
    private readonly source: string,
    private readonly outbox: Outbox,
    private readonly link: NatsLink,
  ) {}

  /** Opens the outbox and starts connecting in the background; never waits for NATS. */
  static async create(options: NatsEventBusOptions): Promise<NatsEventBus> {
    const { credsFile, logger } = options;
    if (credsFile !== undefined) {
      try {
        accessSync(credsFile, constants.R_OK);
      } catch (err) {
        const message = `NATS credentials file ${credsFile} is not readable`;
        throw new VectorAdminError('failed_precondition', message, { cause: err });
      }
    }
    const limits: EventsStreamLimits = {
      name: options.stream,
      maxAgeMs: options.maxAgeMs,
      maxBytes: options.maxBytes,
      maxMsgs: options.maxMsgs ?? FIXED_SETTINGS.eventsStream.maxMsgs,
      duplicateWindowMs: options.duplicateWindowMs ?? FIXED_SETTINGS.eventsStream.duplicateWindowMs,
      replicas: options.replicas,
    };
    const requestTimeoutMs = options.ackTimeoutMs ?? FIXED_SETTINGS.nats.ackTimeoutMs;
    const source = options.source ?? `/vectoradmin/${hostname()}`;
    const send = async (js: JetStreamClient | undefined, entry: JournalEntry): Promise<void> => {
      if (js === undefined) throw new VectorAdminError('unavailable', 'not connected to NATS');
      try {
        await js.publish(entry.subject, encoder.encode(entry.payload), {
          msgID: entry.id,
          expect: { streamName: limits.name },
          headers: natsHeaders(entry),
          timeout: requestTimeoutMs,
        });
      } catch (err) {
        // No stream answered: JetStream is restarting or the stream is gone.
        if (isNoResponders(err)) link.reprovision();
        throw err;
      }
    };
    let wasFull = false;
    // `link` exists before anything is sent: only its onReady lets the outbox send.
    const outbox = await Outbox.open((entry) => send(link.js, entry), {
      dir: join(options.dataDir, 'outbox'),
      maxPending: options.outboxMaxEvents,
      ...optional('window', options.outboxWindow),
      ...optional('memoryEntries', options.outboxMemoryEntries),
      ...optional('segmentMaxBytes', options.outboxSegmentMaxBytes),
      onStateChange: (state) => {
        if (state.full !== wasFull) {
          wasFull = state.full;
          if (state.full) logger.error('event outbox is full: refusing new events', { ...state });
          else logger.info('event outbox has room again', { ...state });
        }
        options.onStateChange?.(state);
      },
    });
    if (outbox.pending > 0) {
      logger.info('event outbox holds events from a previous run', { pending: outbox.pending });
    }
    const link = new NatsLink({
      target: { natsUrl: options.natsUrl, ...optional('credsFile', credsFile), name: source },
      requestTimeoutMs,
      limits,
      logger,
      onReady: (ready) => {
        if (ready) outbox.setError(undefined);
        outbox.setConnected(ready);
      },
      onError: (err) => outbox.setError(err),
    });
    return new NatsEventBus(options, source, outbox, link);
  }

  /** Queues the operation's event durably; rejects unavailable when the outbox is full. */
  publish(event: OperationEvent): Promise<void> {
    try {
      return this.outbox.publish(toCloudEvent(event, this.source));
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error('invalid event'));
    }
  }

  /** Reserves room for one event in the outbox; throws unavailable when it is full. */
  reserve(): EventReservation {
    const reservation = this.outbox.reserve();
    return {
      publish: (event) => {
        try {
          return reservation.publish(toCloudEvent(event, this.source));
        } catch (err) {
          reservation.release();
          return Promise.reject(err instanceof Error ? err : new Error('invalid event'));
        }
      },
      release: () => reservation.release(),
    };
  }

  /** The outbox's state: pending events, full, connected, last error. */
  state(): OutboxState {
    return this.outbox.state();
  }

  /** `ok` when events flow; `degraded` while NATS is unreachable, sends fail or the outbox is full. */
  health(): 'ok' | 'degraded' {
    const state = this.outbox.state();
    return state.connected && !state.full && state.lastError === undefined ? 'ok' : 'degraded';
  }

  /** Stops accepting, sends pending events for up to `flushTimeoutMs`, then closes the connection. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        await this.outbox.close(this.options.flushTimeoutMs ?? FIXED_SETTINGS.nats.flushTimeoutMs);
      } finally {
        // Even when the journal fails to close, the connection and its reconnects must stop.
        await this.link.close(this.outbox.state().connected);
      }
    })();
    return this.closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/** Creates the NATS event bus; resolves without waiting for NATS (see NatsEventBus). */
export function createNatsEventBus(options: NatsEventBusOptions): Promise<NatsEventBus> {
  return NatsEventBus.create(options);
}

// Structured mode of the CloudEvents NATS binding, plus W3C trace context for NATS tooling.
function natsHeaders(entry: JournalEntry): MsgHdrs {
  const h = headers();
  h.set('Content-Type', CONTENT_TYPE);
  if (entry.traceparent !== undefined) h.set('traceparent', entry.traceparent);
  if (entry.tracestate !== undefined) h.set('tracestate', entry.tracestate);
  return h;
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
