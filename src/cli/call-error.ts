import type { FieldViolation } from '../domain/index.js';

const TENANT_HINT = "pass --tenant T, or use the tenant's own key (--key or VECTORADMIN_API_KEY)";

/**
 * What a failed call prints: each problem once, with its hint. A status whose message is its
 * only field problem (`vector: has 2 dimensions, ...`) is that one line; a summary message
 * (`invalid point ids`) heads the indented field lines.
 */
export function callErrorText(details: string, violations: readonly FieldViolation[]): string {
  const lines = violations.map((v) =>
    v.field === 'tenant_id'
      ? `${v.field}: ${v.message}: ${TENANT_HINT}`
      : `${v.field}: ${v.message}`,
  );
  const own = violations.map((v) => `${v.field}: ${v.message}`);
  if (lines.length === 1 && own[0] === details) return `error: ${lines[0]}`;
  return [`error: ${details}`, ...lines.map((line) => `  ${line}`)].join('\n');
}
