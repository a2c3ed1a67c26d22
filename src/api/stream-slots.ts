import { VectorAdminError } from '../domain/index.js';

/** Bounds on UpsertStreams, configurable (VECTORADMIN_MAX_STREAMS_*, ..._IDLE_TIMEOUT_MS). */
export interface StreamCaps {
  /** Open streams one credential (a tenant key, the admin key, dev mode) may hold. */
  readonly perTenant: number;
  /** Open streams one client connection may hold. */
  readonly perConnection: number;
  /** A stream with nothing received and nothing in flight this long is ended. */
  readonly idleTimeoutMs: number;
}

/**
 * Counts open streams per credential and per connection. A stream takes one slot of each at
 * open and gives them back at its end, however it ends; past either cap it is refused with
 * RESOURCE_EXHAUSTED naming the setting.
 */
export class StreamSlots {
  private readonly byTenant = new Map<string, number>();
  private readonly byConnection = new Map<string, number>();

  constructor(private readonly caps: StreamCaps) {}

  /** Takes a slot for a stream; resolves to the function that gives it back (idempotent). */
  acquire(tenant: string, connection: string): () => void {
    if ((this.byTenant.get(tenant) ?? 0) >= this.caps.perTenant)
      throw exhausted('VECTORADMIN_MAX_STREAMS_PER_TENANT', this.caps.perTenant, 'this tenant');
    if ((this.byConnection.get(connection) ?? 0) >= this.caps.perConnection)
      throw exhausted(
        'VECTORADMIN_MAX_STREAMS_PER_CONNECTION',
        this.caps.perConnection,
        'this connection',
      );
    add(this.byTenant, tenant, 1);
    add(this.byConnection, connection, 1);
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      add(this.byTenant, tenant, -1);
      add(this.byConnection, connection, -1);
    };
  }
}

function add(counts: Map<string, number>, key: string, delta: number): void {
  const next = (counts.get(key) ?? 0) + delta;
  if (next <= 0) counts.delete(key);
  else counts.set(key, next);
}

function exhausted(setting: string, limit: number, whose: string): VectorAdminError {
  return new VectorAdminError(
    'resource_exhausted',
    `too many open UpsertStreams for ${whose}: ${setting} is ${limit}; close one or retry later`,
    { retryAfterMs: 1000 },
  );
}
