import { VectorAdminError } from './errors.js';
import { ORIGINAL_ID_KEY, TENANT_KEY, withoutReservedKeys } from './shared-points.js';
import type { CallerPointId, Payload, PointId } from './types.js';

/**
 * The record id a point was written with. Stored ids are UUIDs derived from it, so it is kept
 * beside the payload for results to name the point as the caller's rows do.
 */
export const RECORD_ID_KEY = '_va_record_id';

/** The payload a point is stored with: a point written by record id also keeps the record id. */
export function storedPayload(recordId: string | undefined, payload: Payload): Payload {
  return recordId === undefined ? payload : { ...payload, [RECORD_ID_KEY]: recordId };
}

/**
 * A stored point as its caller sees it: the id it was written with (a record id rather than
 * its UUID; in a shared table the tenant's own id, not the derived one) and the payload
 * without the service's keys. Points stored before record ids were kept answer with their UUID.
 */
export function callerPoint(
  storedId: PointId,
  payload: Payload,
  shared: boolean,
): { readonly id: CallerPointId; readonly payload: Payload } {
  return { id: callerId(storedId, payload, shared), payload: withoutReservedKeys(payload) };
}

function callerId(storedId: PointId, payload: Payload, shared: boolean): CallerPointId {
  const recordId = payload[RECORD_ID_KEY];
  if (typeof recordId === 'string') return { recordId };
  if (!shared) return storedId;
  const original = payload[ORIGINAL_ID_KEY];
  if (typeof original !== 'number' && typeof original !== 'string') {
    throw new VectorAdminError('internal', 'a shared collection holds a point without its id');
  }
  return original;
}

/** True when a point read from a shared collection belongs to `tenantId`. */
export function ownedBy(payload: Payload | undefined, tenantId: string): boolean {
  return payload?.[TENANT_KEY] === tenantId;
}
