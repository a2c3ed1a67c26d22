import type { Operation } from '../domain/index.js';
import type { Summary } from './summary.js';

/** The alert rules; thresholds come from config.consumer.alerts. */
export interface AlertRules {
  /** Fire when a window's error rate is above this fraction (0-1). */
  readonly errorRate: number;
  /** Fire when a window's p99 latency is above this many ms. */
  readonly p99Ms: number;
  /** Fire when no event arrived for this long while upsert streams are open. */
  readonly idleMs: number;
}

/** An alert as published on `vectoradmin.v1.alerts` and shown by the dashboard. */
export interface Alert {
  readonly rule: 'error_rate' | 'p99' | 'idle';
  readonly fired_at: string;
  readonly message: string;
  readonly value: number;
  readonly threshold: number;
  readonly operation?: Operation;
  readonly tenant_id?: string;
  readonly collection?: string;
  readonly window_start?: string;
}

/** What the rules look at, at one moment. */
export interface AlertInput {
  readonly nowMs: number;
  /** Window summaries (others are ignored). */
  readonly summaries: readonly Summary[];
  readonly openStreams: number;
  /** Wall-clock time of the last applied event. */
  readonly lastEventAtMs: number;
}

/**
 * Evaluates the rules and returns the alerts that newly fire; `fired` remembers what already
 * did (one alert per rule, key and window; one idle alert per quiet period). Only windows that
 * end within one window length of now are judged, so replaying an old log or restarting does
 * not raise alerts about the past.
 */
export function evaluateAlerts(input: AlertInput, rules: AlertRules, fired: Set<string>): Alert[] {
  const alerts: Alert[] = [];
  const firedAt = new Date(input.nowMs).toISOString();
  for (const s of input.summaries) {
    if (s.scope !== 'window' || s.window_start === undefined || s.window_ms === undefined) continue;
    if (Date.parse(s.window_start) + 2 * s.window_ms < input.nowMs) continue;
    const where = {
      operation: s.operation,
      tenant_id: s.tenant_id,
      collection: s.collection,
      window_start: s.window_start,
    };
    const id = `${s.window_start}|${s.operation}|${s.tenant_id}|${s.collection}`;
    const label = `${s.operation} ${s.tenant_id || '_'}/${s.collection || '_'}`;
    if (s.error_rate > rules.errorRate && once(fired, `error_rate|${id}`)) {
      alerts.push({
        rule: 'error_rate',
        fired_at: firedAt,
        message: `${label}: error rate ${pct(s.error_rate)} above ${pct(rules.errorRate)} in the window from ${s.window_start}`,
        value: s.error_rate,
        threshold: rules.errorRate,
        ...where,
      });
    }
    if (s.latency_ms.p99 > rules.p99Ms && once(fired, `p99|${id}`)) {
      alerts.push({
        rule: 'p99',
        fired_at: firedAt,
        message: `${label}: p99 ${s.latency_ms.p99} ms above ${rules.p99Ms} ms in the window from ${s.window_start}`,
        value: s.latency_ms.p99,
        threshold: rules.p99Ms,
        ...where,
      });
    }
  }
  const quietMs = input.nowMs - input.lastEventAtMs;
  if (
    input.openStreams > 0 &&
    quietMs >= rules.idleMs &&
    once(fired, `idle|${input.lastEventAtMs}`)
  ) {
    alerts.push({
      rule: 'idle',
      fired_at: firedAt,
      message: `no events for ${Math.round(quietMs / 1000)} s while ${input.openStreams} upsert stream(s) are open`,
      value: quietMs,
      threshold: rules.idleMs,
    });
  }
  return alerts;
}

function once(fired: Set<string>, id: string): boolean {
  if (fired.has(id)) return false;
  fired.add(id);
  return true;
}

function pct(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}
