// SQL fragments for LanceDB filters (DataFusion's dialect).

/** A SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** A filter matching the rows whose `id` is one of `keys`. */
export function idIn(keys: readonly string[]): string {
  return `id IN (${keys.map(sqlString).join(', ')})`;
}
