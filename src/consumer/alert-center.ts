import type { NatsConnection } from 'nats';
import type { Logger } from '../domain/index.js';
import { ALERTS_SUBJECT } from '../events/index.js';
import { evaluateAlerts, type Alert, type AlertInput, type AlertRules } from './alert-rules.js';

/** Recent alerts kept for the dashboard. */
const RECENT_ALERTS = 100;
/** Fired-alert ids remembered; older ones concern windows long past. */
const REMEMBERED_FIRINGS = 10_000;

/** Evaluates the alert rules, publishes new alerts on `vectoradmin.v1.alerts` and logs them. */
export class AlertCenter {
  private readonly fired = new Set<string>();
  private readonly recentAlerts: Alert[] = [];

  constructor(
    private readonly rules: AlertRules,
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  /** Runs the rules once; returns the alerts that fired now. */
  evaluate(input: AlertInput): Alert[] {
    const alerts = evaluateAlerts(input, this.rules, this.fired);
    for (const alert of alerts) {
      // The message leads: a console shows it without the fields.
      this.logger.warn(`alert ${alert.message}`, { ...alert });
      this.nc.publish(ALERTS_SUBJECT, JSON.stringify(alert));
      this.recentAlerts.unshift(alert);
    }
    this.recentAlerts.length = Math.min(this.recentAlerts.length, RECENT_ALERTS);
    for (const id of this.fired) {
      if (this.fired.size <= REMEMBERED_FIRINGS) break;
      this.fired.delete(id);
    }
    return alerts;
  }

  /** The latest alerts, newest first. */
  recent(): readonly Alert[] {
    return this.recentAlerts;
  }
}
