import type { NatsConnection } from 'nats';
import type { Logger } from '../domain/index.js';
import { summarySubject } from '../events/index.js';
import type { Summary } from './summary.js';

/**
 * The subject key for events that named no valid tenant. Tenant ids are lowercase, so an
 * uppercase key cannot collide with one.
 */
export const NO_TENANT_KEY = 'NONE';

/**
 * Publishes changed summaries on `vectoradmin.v1.summaries.<tenant>`, one message per tenant
 * holding that tenant's changed summaries: `{ "summaries": Summary[] }`. Core NATS, not
 * JetStream: the durable copy is the consumer's checkpoint, and the log can rebuild both.
 */
export class SummaryPublisher {
  constructor(
    private readonly nc: NatsConnection,
    private readonly logger: Logger,
  ) {}

  /** Publishes `summaries`, grouped by tenant. */
  publish(summaries: readonly Summary[]): void {
    const byTenant = new Map<string, Summary[]>();
    for (const summary of summaries) {
      const key = summary.tenant_id === '' ? NO_TENANT_KEY : summary.tenant_id;
      byTenant.set(key, [...(byTenant.get(key) ?? []), summary]);
    }
    for (const [key, group] of byTenant) {
      try {
        this.nc.publish(summarySubject(key), JSON.stringify({ summaries: group }));
      } catch (err) {
        this.logger.warn('cannot publish summaries', { key, err });
      }
    }
  }
}
