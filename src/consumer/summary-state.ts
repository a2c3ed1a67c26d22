import { entryOf, type Operation } from '../domain/index.js';
import type { CloudEvent } from '../events/index.js';
import { classifyError } from './error-class.js';
import { Aggregate, type AggregateJson, type Sample } from './aggregate.js';
import {
  MINUTE_SERIES,
  SECOND_SERIES,
  SeriesState,
  type KeyedSeries,
  type SeriesJson,
} from './series-state.js';
import {
  compareSummaries,
  latencyOf,
  parseSummaryKeyId as parseKey,
  summaryKeyId as keyOf,
  toSummary,
  type LatencySummary,
  type Summary,
} from './summary.js';

/** Windows kept per key, counted back from the newest event's window. */
export const RETAINED_WINDOWS = 60;

// Streams a crashed server never closed would otherwise accumulate forever.
const MAX_TRACKED_STREAMS = 10_000;

/** SummaryState as saved in the checkpoint. */
export interface SummaryStateJson {
  readonly windowMs: number;
  readonly maxStartMs: number;
  readonly cumulative: readonly (readonly [string, AggregateJson])[];
  readonly windows: readonly (readonly [number, readonly (readonly [string, AggregateJson])[]])[];
  /**
   * The per-second and per-minute series by summary key; absent in checkpoints written when the
   * series were kept per operation only (those are not read: the charts start afresh).
   */
  readonly seriesSeconds?: SeriesJson;
  readonly seriesMinutes?: SeriesJson;
  /** Stream id, opens minus closes, and (from checkpoints that have it) who opened it when. */
  readonly openStreams: readonly (readonly [string, number, StreamOrigin?])[];
  /** Per CloudEvents source, its latest service start; absent in older checkpoints. */
  readonly starts?: readonly (readonly [string, ServiceStart])[];
}

/** The service instance that opened a stream, and when. */
export interface StreamOrigin {
  readonly source: string;
  readonly instanceId: string;
  readonly openedAtMs?: number;
}

/** A service process's start, as its service_started event announced it. */
interface ServiceStart {
  readonly instanceId: string;
  readonly atMs: number;
}

interface TrackedStream {
  count: number;
  origin?: StreamOrigin;
}

/**
 * The summaries as a pure function of the applied events. Windows are aligned to each event's
 * `started_at` (never the wall clock) and every part is order-independent (see Aggregate;
 * retention only ever drops windows older than the newest event's, and the newest event is the
 * same whatever the order), so a replay of the same events in any order yields identical state.
 */
export class SummaryState {
  private readonly cumulative = new Map<string, Aggregate>();
  private readonly windows = new Map<number, Map<string, Aggregate>>();
  private readonly seconds: SeriesState;
  private readonly minutes: SeriesState;
  // Upsert streams opened minus closed, by stream id; a count, not a flag, so a close that is
  // applied before its open (redelivery order) still nets out.
  private readonly openStreams = new Map<string, TrackedStream>();
  // A killed service never closes its streams; its successor's start (same source, another
  // instance, later) ends them. The latest start per source, so the order of events is moot.
  private readonly starts = new Map<string, ServiceStart>();
  private readonly changed = new Set<string>();
  private maxStartMs = 0;

  constructor(
    readonly windowMs: number,
    series: { readonly seconds?: SeriesState; readonly minutes?: SeriesState } = {},
  ) {
    this.seconds = series.seconds ?? new SeriesState(SECOND_SERIES);
    this.minutes = series.minutes ?? new SeriesState(MINUTE_SERIES);
  }

  /** Adds one event to its cumulative aggregate, its window and the series. */
  apply(event: CloudEvent): void {
    const { data } = event;
    const startMs = Date.parse(data.started_at);
    const outcome = classifyError(data);
    // Throughput is what was written or read: a refused batch's points moved nothing.
    const sample: Sample = {
      startUs: startMs * 1000,
      durationUs: Math.round(data.duration_ms * 1000),
      points: outcome.error ? 0 : (data.points ?? 0),
      bytes: outcome.error ? 0 : (data.bytes ?? 0),
      ...(data.calls === undefined ? {} : { calls: data.calls }),
      ...outcome,
    };
    const key = keyOf(data.operation, data.tenant_id, data.collection);
    aggregateIn(this.cumulative, key).add(sample);
    this.changed.add(`c${key}`);
    this.maxStartMs = Math.max(this.maxStartMs, startMs);
    const windowStart = startMs - mod(startMs, this.windowMs);
    if (windowStart >= this.oldestWindowStart()) {
      let window = this.windows.get(windowStart);
      if (window === undefined) {
        this.freezeWindowsBefore(windowStart);
        window = new Map();
        this.windows.set(windowStart, window);
      }
      aggregateIn(window, key).add(sample);
      this.changed.add(`w${windowStart}${key}`);
    }
    this.dropOldWindows();
    this.seconds.add(key, sample);
    this.minutes.add(key, sample);
    if (data.stream_id !== undefined) {
      this.countStream(data.operation, data.stream_id, {
        source: event.source,
        instanceId: data.instance_id,
        ...(data.operation === 'stream_opened' ? { openedAtMs: startMs } : {}),
      });
    }
    this.noteServiceStart(event);
  }

  /**
   * Remembers a service start (any other event is ignored). Idempotent and order-free, so a
   * partition that does not count the start's summary (tenant `_`) still learns of it.
   */
  noteServiceStart(event: CloudEvent): void {
    const { data } = event;
    if (data.operation !== 'service_started') return;
    const atMs = Date.parse(data.started_at);
    const latest = this.starts.get(event.source);
    const later =
      latest === undefined ||
      atMs > latest.atMs ||
      (atMs === latest.atMs && data.instance_id > latest.instanceId);
    if (later) this.starts.set(event.source, { instanceId: data.instance_id, atMs });
  }

  /** Every summary, cumulative and per retained window, in a stable order. */
  summaries(): Summary[] {
    const out: Summary[] = [];
    for (const [key, aggregate] of this.cumulative) out.push(toSummary(parseKey(key), aggregate));
    for (const [startMs, window] of this.windows) {
      for (const [key, aggregate] of window) {
        out.push(
          toSummary({ ...parseKey(key), window: { startMs, lengthMs: this.windowMs } }, aggregate),
        );
      }
    }
    return out.sort(compareSummaries);
  }

  /** Cumulative summaries plus, per key, its newest retained window: the live view. */
  currentSummaries(): Summary[] {
    const out: Summary[] = [];
    for (const [key, aggregate] of this.cumulative) out.push(toSummary(parseKey(key), aggregate));
    const seen = new Set<string>();
    for (const startMs of [...this.windows.keys()].sort((a, b) => b - a)) {
      for (const [key, aggregate] of this.windows.get(startMs) ?? []) {
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(
          toSummary({ ...parseKey(key), window: { startMs, lengthMs: this.windowMs } }, aggregate),
        );
      }
    }
    return out.sort(compareSummaries);
  }

  /** The summaries changed since the last call (still retained ones), for publishing. */
  takeChanged(): Summary[] {
    const out: Summary[] = [];
    for (const id of this.changed) {
      const key = id.slice(id.indexOf('['));
      if (id.startsWith('c')) {
        const aggregate = this.cumulative.get(key);
        if (aggregate !== undefined) out.push(toSummary(parseKey(key), aggregate));
        continue;
      }
      const startMs = Number(id.slice(1, id.indexOf('[')));
      const aggregate = this.windows.get(startMs)?.get(key);
      if (aggregate !== undefined) {
        out.push(
          toSummary({ ...parseKey(key), window: { startMs, lengthMs: this.windowMs } }, aggregate),
        );
      }
    }
    this.changed.clear();
    return out.sort(compareSummaries);
  }

  /** Every key's per-second or per-minute series, oldest bucket first. */
  series(resolution: 'second' | 'minute'): KeyedSeries[] {
    return (resolution === 'second' ? this.seconds : this.minutes).series();
  }

  /**
   * The latencies of the events of several summaries together, from their merged histograms
   * (not a statistic of their statistics: the p99 of two keys is not the higher p99). Summaries
   * whose aggregate is no longer retained are left out; undefined when none is left.
   */
  mergedLatency(summaries: readonly Summary[]): LatencySummary | undefined {
    const parts: Aggregate[] = [];
    for (const s of summaries) {
      const key = keyOf(s.operation, s.tenant_id, s.collection);
      const aggregate =
        s.window_start === undefined
          ? this.cumulative.get(key)
          : this.windows.get(Date.parse(s.window_start))?.get(key);
      if (aggregate !== undefined) parts.push(aggregate);
    }
    return parts.length === 0 ? undefined : latencyOf(Aggregate.merge(parts));
  }

  /** Upsert streams opened and not (yet) closed, except those a later service start ended. */
  openStreamCount(): number {
    return this.countStreams(false);
  }

  /** Streams never closed whose service instance a later start of the same source replaced. */
  endedByRestartCount(): number {
    return this.countStreams(true);
  }

  toJSON(): SummaryStateJson {
    return {
      windowMs: this.windowMs,
      maxStartMs: this.maxStartMs,
      cumulative: [...this.cumulative].map(([k, a]) => [k, a.toJSON()] as const),
      windows: [...this.windows].map(
        ([start, w]) => [start, [...w].map(([k, a]) => [k, a.toJSON()] as const)] as const,
      ),
      seriesSeconds: this.seconds.toJSON(),
      seriesMinutes: this.minutes.toJSON(),
      openStreams: [...this.openStreams].map(([id, { count, origin }]) =>
        origin === undefined ? ([id, count] as const) : ([id, count, origin] as const),
      ),
      starts: [...this.starts],
    };
  }

  /** Restores a saved state. */
  static fromJSON(json: SummaryStateJson): SummaryState {
    const state = new SummaryState(json.windowMs, {
      seconds: SeriesState.fromJSON(SECOND_SERIES, json.seriesSeconds ?? []),
      minutes: SeriesState.fromJSON(MINUTE_SERIES, json.seriesMinutes ?? []),
    });
    state.maxStartMs = json.maxStartMs;
    for (const [key, aggregate] of json.cumulative)
      state.cumulative.set(key, Aggregate.fromJSON(aggregate));
    for (const [start, window] of json.windows) {
      state.windows.set(start, new Map(window.map(([k, a]) => [k, Aggregate.fromJSON(a)])));
    }
    for (const [id, count, origin] of json.openStreams) {
      state.openStreams.set(id, origin === undefined ? { count } : { count, origin });
    }
    for (const [source, start] of json.starts ?? []) state.starts.set(source, start);
    return state;
  }

  private oldestWindowStart(): number {
    const newest = this.maxStartMs - mod(this.maxStartMs, this.windowMs);
    return newest - (RETAINED_WINDOWS - 1) * this.windowMs;
  }

  // Windows before the newest rarely change again: keep them as encodings, not histograms.
  private freezeWindowsBefore(startMs: number): void {
    for (const [start, window] of this.windows) {
      if (start < startMs) for (const aggregate of window.values()) aggregate.freeze();
    }
  }

  private dropOldWindows(): void {
    const oldest = this.oldestWindowStart();
    for (const start of this.windows.keys()) if (start < oldest) this.windows.delete(start);
  }

  private countStream(operation: Operation, streamId: string, origin: StreamOrigin): void {
    const delta = operation === 'stream_opened' ? 1 : operation === 'stream_closed' ? -1 : 0;
    if (delta === 0) return;
    const tracked = this.openStreams.get(streamId) ?? { count: 0 };
    this.openStreams.delete(streamId);
    tracked.count += delta;
    // The open's origin wins: it alone says when the stream began.
    if (tracked.origin?.openedAtMs === undefined) tracked.origin = origin;
    if (tracked.count !== 0) this.openStreams.set(streamId, tracked);
    if (this.openStreams.size > MAX_TRACKED_STREAMS) {
      const oldest = this.openStreams.keys().next();
      if (oldest.done !== true) this.openStreams.delete(oldest.value);
    }
  }

  private countStreams(endedByRestart: boolean): number {
    let n = 0;
    for (const { count, origin } of this.openStreams.values()) {
      if (count > 0 && this.replaced(origin) === endedByRestart) n += 1;
    }
    return n;
  }

  private replaced(origin: StreamOrigin | undefined): boolean {
    if (origin?.openedAtMs === undefined) return false;
    const start = this.starts.get(origin.source);
    return (
      start !== undefined &&
      start.instanceId !== origin.instanceId &&
      start.atMs >= origin.openedAtMs
    );
  }
}

function aggregateIn(map: Map<string, Aggregate>, key: string): Aggregate {
  return entryOf(map, key, () => new Aggregate());
}

// Event times before 1970 are impossible in practice, but keep windows aligned if they occur.
function mod(value: number, divisor: number): number {
  return ((value % divisor) + divisor) % divisor;
}
