import type { Metadata } from '@grpc/grpc-js';
import type { ApiKeys, Principal } from '../domain/index.js';

/** The caller's identity and trace context, read once from a call's metadata. */
export interface Caller {
  readonly principal: Principal;
  readonly traceparent?: string;
  readonly tracestate?: string;
}

const TRACEPARENT = /^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

/** Authenticates a call and reads its W3C trace context. Throws unauthenticated. */
export function callerFrom(metadata: Metadata, keys: ApiKeys): Caller {
  const auth = metadata.get('authorization')[0];
  const header = typeof auth === 'string' ? auth : undefined;
  const bearer = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  const principal = keys.authenticate(header === undefined ? undefined : (bearer ?? ''));
  const traceparent = metadata.get('traceparent')[0];
  const tracestate = metadata.get('tracestate')[0];
  return {
    principal,
    ...(typeof traceparent === 'string' && TRACEPARENT.test(traceparent) ? { traceparent } : {}),
    ...(typeof tracestate === 'string' && tracestate.length <= 512 ? { tracestate } : {}),
  };
}

/** The caller's own tenant, before the request's is authorized; "" when it has none. */
export function ownTenant(caller: Caller | undefined): string {
  return caller?.principal.kind === 'tenant' ? caller.principal.tenantId : '';
}
