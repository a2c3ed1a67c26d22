import type { Tracer } from '@opentelemetry/api';
import { Operation, VectorAdminError, type Logger } from '../domain/index.js';
import { parseCloudEvent, type CloudEvent } from '../events/index.js';
import type { AppliedLog, Admission } from './applied-log.js';
import type { EventMetrics } from './event-metrics.js';
import { recordEventSpan } from './event-span.js';
import { subjectFilter, WHOLE_STREAM, type Partition } from './partition.js';
import type { SummaryState } from './summary-state.js';

const SERVICE_STARTED_SUFFIX = `.${Operation.ServiceStarted}`;

/** What the processor did with one message; `skipped`: another partition's event. */
export type Handled = Admission | 'invalid' | 'skipped';

/** Counts of handled messages since start. */
export interface ProcessorStats {
  applied: number;
  redelivered: number;
  duplicate: number;
  invalid: number;
  skipped: number;
}

/** Where applied events go besides the summaries. */
export interface ProcessorSinks {
  readonly tracer: Tracer;
  readonly metrics: EventMetrics;
  readonly logger: Logger;
}

/**
 * Turns delivered messages into applied events exactly once: parse, ask the AppliedLog,
 * then add to the summaries, record a span and the metrics. Pure of I/O, so the same code
 * serves the live consumer, its restarts and replays.
 */
export class EventProcessor {
  readonly stats: ProcessorStats = {
    applied: 0,
    redelivered: 0,
    duplicate: 0,
    invalid: 0,
    skipped: 0,
  };
  /** Wall-clock time of the last applied event (the idle alert's reference). */
  lastAppliedAtMs: number;
  private readonly owns: (subject: string) => boolean;

  constructor(
    readonly applied: AppliedLog,
    readonly summary: SummaryState,
    private readonly sinks: ProcessorSinks,
    now: number = Date.now(),
    partition: Partition = WHOLE_STREAM,
  ) {
    this.lastAppliedAtMs = now;
    this.owns = subjectFilter(partition);
  }

  /** Handles the message at stream sequence `seq`, published on `subject`. */
  handle(seq: number, payload: Uint8Array, subject: string): Handled {
    if (!this.owns(subject)) {
      // Done for this partition's log too, so its sequences stay contiguous.
      this.applied.markDone(seq);
      // Every partition has streams a service start may end; one partition counts the start.
      if (subject.endsWith(SERVICE_STARTED_SUFFIX)) this.noteServiceStart(payload);
      return this.count('skipped');
    }
    let event: CloudEvent;
    try {
      event = parseCloudEvent(payload);
    } catch (err) {
      if (!(err instanceof VectorAdminError)) throw err;
      // A message that is not a valid event never will be: count it once and move on.
      if (this.applied.admit(seq, undefined) === 'redelivered') return this.count('redelivered');
      this.sinks.logger.warn('skipping an invalid event', { seq, violations: err.violations, err });
      return this.count('invalid');
    }
    const admission = this.applied.admit(seq, event.id);
    if (admission === 'apply') {
      this.summary.apply(event);
      recordEventSpan(this.sinks.tracer, event);
      this.sinks.metrics.record(event);
      this.lastAppliedAtMs = Date.now();
    } else {
      this.sinks.logger.debug('skipping a repeated event', { seq, id: event.id, admission });
    }
    return this.count(admission);
  }

  private noteServiceStart(payload: Uint8Array): void {
    try {
      this.summary.noteServiceStart(parseCloudEvent(payload));
    } catch (err) {
      if (!(err instanceof VectorAdminError)) throw err;
      // Invalid: the partition that owns it reports it.
    }
  }

  private count(handled: Handled): Handled {
    this.stats[handled === 'apply' ? 'applied' : handled] += 1;
    this.sinks.metrics.delivered(handled);
    return handled;
  }
}
