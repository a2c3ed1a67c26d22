import type { ServiceError } from '@grpc/grpc-js';
import {
  decodeStatusDetails,
  STATUS_DETAILS_TRAILER,
  type StatusDetails,
} from '../wire/rpc-status.js';

export type { StatusDetails } from '../wire/rpc-status.js';

/**
 * The field violations and retry hint of a failed call, from its google.rpc status details;
 * none when the status carries no details (or details this client cannot read).
 */
export function statusDetails(err: Partial<ServiceError>): StatusDetails {
  const [bytes] = err.metadata?.get(STATUS_DETAILS_TRAILER) ?? [];
  if (!(bytes instanceof Uint8Array)) return { fieldViolations: [] };
  try {
    return decodeStatusDetails(bytes);
  } catch {
    return { fieldViolations: [] };
  }
}
