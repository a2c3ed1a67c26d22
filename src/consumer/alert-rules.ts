import { Operation } from '../domain/index.js';
import type { Summary } from './summary.js';

/** The alert rules; thresholds come from config.consumer.alerts. */
export interface AlertRules {
  /** Fire when a window's server error rate is above this fraction (0-1). */
  readonly serverErrorRate: number;
  /** Fire when one tenant's calls are refused for their credentials this often in a window. */
  readonly authFailures: number;
  /** Operations a window needs before its rate and percentile rules may fire. */
  readonly minOps: number;
  /** Fire when a window's p99 latency is above this many ms. */
  readonly p99Ms: number;
  /** Fire when no event arrived for this long while upsert streams are open. */
  readonly idleMs: number;
  /** Fire when a performance probe run took longer than this many ms. */
  readonly probeMs: number;
}

/** The alert rules' names, as alerts carry them. */
export type AlertRule =
  'server_error_rate' | 'auth_failures' | 'p99' | 'idle' | 'probe_failed' | 'probe_slow';

/** An alert as published on `vectoradmin.v1.alerts` and shown by the dashboard. */
export interface Alert {
  readonly rule: AlertRule;
  readonly fired_at: string;
  /** One line naming the rule, the key, the value and the threshold. */
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
 * not raise alerts about the past. Client errors (a create of a name that exists, a bad
 * argument) are the caller's and never fire the error rule; a window with fewer than `minOps`
 * operations is too small for a rate or a percentile to mean anything.
 */
export function evaluateAlerts(input: AlertInput, rules: AlertRules, fired: Set<string>): Alert[] {
  const alerts: Alert[] = [];
  const firedAt = new Date(input.nowMs).toISOString();
  const current = input.summaries.filter(
    (s) =>
      s.scope === 'window' &&
      s.window_start !== undefined &&
      s.window_ms !== undefined &&
      Date.parse(s.window_start) + 2 * s.window_ms >= input.nowMs,
  );
  for (const s of current) {
    // A probe run is many operations in one: the probe rules judge it by their own threshold.
    if (s.operation === Operation.PerformanceTest) continue;
    const where = {
      operation: s.operation,
      tenant_id: s.tenant_id,
      collection: s.collection,
      window_start: s.window_start,
    };
    const id = `${s.window_start}|${s.operation}|${s.tenant_id}|${s.collection}`;
    const label = `${s.operation} on ${s.tenant_id || '_'}/${s.collection || '_'}`;
    const enough = s.operations >= rules.minOps;
    if (
      enough &&
      s.server_error_rate > rules.serverErrorRate &&
      once(fired, `server_error_rate|${id}`)
    ) {
      alerts.push({
        rule: 'server_error_rate',
        fired_at: firedAt,
        message: `server_error_rate: ${label}: ${s.server_errors} of ${s.operations} operations failed on the server side (${pct(s.server_error_rate)}, threshold ${pct(rules.serverErrorRate)}) in the window from ${s.window_start}`,
        value: s.server_error_rate,
        threshold: rules.serverErrorRate,
        ...where,
      });
    }
    if (enough && s.latency_ms.p99 > rules.p99Ms && once(fired, `p99|${id}`)) {
      alerts.push({
        rule: 'p99',
        fired_at: firedAt,
        message: `p99: ${label}: p99 latency ${s.latency_ms.p99} ms over ${s.operations} operations (threshold ${rules.p99Ms} ms) in the window from ${s.window_start}`,
        value: s.latency_ms.p99,
        threshold: rules.p99Ms,
        ...where,
      });
    }
  }
  alerts.push(...probeAlerts(current, rules, fired, firedAt));
  alerts.push(...authBursts(current, rules, fired, firedAt));
  const quietMs = input.nowMs - input.lastEventAtMs;
  if (
    input.openStreams > 0 &&
    quietMs >= rules.idleMs &&
    once(fired, `idle|${input.lastEventAtMs}`)
  ) {
    alerts.push({
      rule: 'idle',
      fired_at: firedAt,
      message: `idle: no events for ${Math.round(quietMs / 1000)} s while ${input.openStreams} upsert stream(s) are open (threshold ${Math.round(rules.idleMs / 1000)} s)`,
      value: quietMs,
      threshold: rules.idleMs,
    });
  }
  return alerts;
}

// Refused credentials summed per tenant and window over every operation and collection: a
// client cycling bad keys spreads its calls over many keys. Unauthenticated calls have no
// tenant (""), so they add up together.
function authBursts(
  summaries: readonly Summary[],
  rules: AlertRules,
  fired: Set<string>,
  firedAt: string,
): Alert[] {
  const totals = new Map<string, { tenant: string; windowStart: string; failures: number }>();
  for (const s of summaries) {
    if (s.auth_failures === 0 || s.window_start === undefined) continue;
    const id = `${s.window_start}|${s.tenant_id}`;
    const total = totals.get(id) ?? {
      tenant: s.tenant_id,
      windowStart: s.window_start,
      failures: 0,
    };
    total.failures += s.auth_failures;
    totals.set(id, total);
  }
  const alerts: Alert[] = [];
  for (const [id, total] of totals) {
    if (total.failures < rules.authFailures || !once(fired, `auth_failures|${id}`)) continue;
    const who = total.tenant === '' ? 'unauthenticated callers' : `tenant ${total.tenant}`;
    alerts.push({
      rule: 'auth_failures',
      fired_at: firedAt,
      message: `auth_failures: ${total.failures} calls of ${who} refused for their credentials (threshold ${rules.authFailures}) in the window from ${total.windowStart}`,
      value: total.failures,
      threshold: rules.authFailures,
      tenant_id: total.tenant,
      window_start: total.windowStart,
    });
  }
  return alerts;
}

// The probe runs a few times a window at most, so no minimum count: one failed or slow run is
// news. A refused RunPerformanceTest (a tenant key) is the caller's error and does not count.
function probeAlerts(
  summaries: readonly Summary[],
  rules: AlertRules,
  fired: Set<string>,
  firedAt: string,
): Alert[] {
  const alerts: Alert[] = [];
  for (const s of summaries) {
    if (s.operation !== Operation.PerformanceTest) continue;
    const where = {
      operation: s.operation,
      tenant_id: s.tenant_id,
      collection: s.collection,
      window_start: s.window_start,
    };
    const id = `${s.window_start}|${s.tenant_id}|${s.collection}`;
    const label = `probe on ${s.tenant_id || '_'}/${s.collection || '_'}`;
    if (s.server_errors > 0 && once(fired, `probe_failed|${id}`)) {
      alerts.push({
        rule: 'probe_failed',
        fired_at: firedAt,
        message: `probe_failed: ${label}: ${s.server_errors} of ${s.operations} runs failed (threshold 0) in the window from ${s.window_start}`,
        value: s.server_errors,
        threshold: 0,
        ...where,
      });
    }
    if (s.latency_ms.max > rules.probeMs && once(fired, `probe_slow|${id}`)) {
      alerts.push({
        rule: 'probe_slow',
        fired_at: firedAt,
        message: `probe_slow: ${label}: slowest run ${s.latency_ms.max} ms of ${s.operations} (threshold ${rules.probeMs} ms) in the window from ${s.window_start}`,
        value: s.latency_ms.max,
        threshold: rules.probeMs,
        ...where,
      });
    }
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
