import { VectorAdminError } from '../domain/errors.js';
import { validateTable, validateTenantId } from '../domain/naming.js';
import { Operation } from '../domain/ports.js';

// Subject layout. Every operation event has exactly five tokens:
//   vectoradmin.v1.<tenant_id>.<table or _>.<operation>
// The metrics consumer's own output uses other token counts under the same namespace:
//   vectoradmin.v1.summaries.<key>   (four tokens)
//   vectoradmin.v1.alerts            (three tokens)
// So the events stream binds `vectoradmin.v1.*.*.*` (every event subject and nothing else)
// rather than `vectoradmin.v1.>`: summaries and alerts are not swallowed by the events stream,
// do not count against its limits, and may have a stream of their own (the server refuses
// streams with overlapping subjects). Tenant ids `summaries` and `alerts` are reserved in
// domain/naming.ts so a per-tenant permission `vectoradmin.v1.<tenant>.>` never covers them.

const ROOT = 'vectoradmin.v1';
/** Stands for "no table" (tenant-wide operations) and "no valid tenant" (refused requests). */
const NONE = '_';
const KEY = /^[A-Za-z0-9-]+$/;
const OPERATIONS: ReadonlySet<string> = new Set(Object.values(Operation));

/** Matches every operation event subject and nothing else; the events stream's binding. */
export const EVENTS_SUBJECT_WILDCARD = `${ROOT}.*.*.*`;

/** The subject the metrics consumer publishes alerts on. */
export const ALERTS_SUBJECT = `${ROOT}.alerts`;

/** Matches every summary subject. */
export const SUMMARIES_SUBJECT_WILDCARD = `${ROOT}.summaries.*`;

/**
 * The subject of an operation event: `vectoradmin.v1.<tenant>.<table or _>.<operation>`.
 * Failed operations are events too, and a refused request may name a tenant or table that is
 * not a valid one (or not a valid subject token): those become `_`, so no input can place an
 * event on another tenant's subject.
 */
export function eventSubject(tenantId: string, table: string, operation: Operation): string {
  return subjectOf(eventScope(tenantId, table), operation);
}

/**
 * The tenant and table an event is filed under: each as given when valid, "" (the `_` token)
 * otherwise. What the subject says and what the event's data says are both made from this.
 */
export function eventScope(tenantId: string, table: string): { tenantId: string; table: string } {
  return {
    tenantId: isValid(validateTenantId, tenantId) ? tenantId : '',
    table: isValid(validateTable, table) ? table : '',
  };
}

/** The subject of an event filed under `scope` (as `eventScope` made it). */
export function subjectOf(
  scope: { readonly tenantId: string; readonly table: string },
  operation: Operation,
): string {
  if (!OPERATIONS.has(operation)) {
    throw new VectorAdminError('internal', `unknown operation "${String(operation)}"`);
  }
  return `${ROOT}.${scope.tenantId || NONE}.${scope.table || NONE}.${operation}`;
}

/** The subject of one summary; `key` is one token of a-z, A-Z, 0-9 and "-" (a tenant, a run). */
export function summarySubject(key: string): string {
  if (!KEY.test(key)) {
    throw VectorAdminError.invalidField('key', 'must be one subject token of A-Z, a-z, 0-9, "-"');
  }
  return `${ROOT}.summaries.${key}`;
}

/** The parts of an event subject (`_` read back as ""); undefined for any other subject. */
export function parseEventSubject(
  subject: string,
): { tenantId: string; table: string; operation: Operation } | undefined {
  const parts = subject.split('.');
  if (parts.length !== 5 || `${parts[0]}.${parts[1]}` !== ROOT) return undefined;
  const [, , tenantId = '', table = '', operation = ''] = parts;
  if (!OPERATIONS.has(operation)) return undefined;
  const tenant = tenantId === NONE ? '' : tenantId;
  const tab = table === NONE ? '' : table;
  if (tenant !== '' && !isValid(validateTenantId, tenant)) return undefined;
  if (tab !== '' && !isValid(validateTable, tab)) return undefined;
  return { tenantId: tenant, table: tab, operation: operation as Operation };
}

function isValid(validate: (value: string) => string, value: string): boolean {
  try {
    validate(value);
    return true;
  } catch {
    return false;
  }
}
