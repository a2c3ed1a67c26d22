import type { PointError } from '../gen/vectoradmin/v1/vectoradmin.js';

/** One report line: where (`file:line`) and why. */
export interface LineReport {
  readonly where: string;
  readonly reason: string;
}

/**
 * What a rejected batch means line by line: each error at the file line of its point (the
 * service's field names the batch index, `points[3].vector`, which the file's reader cannot
 * use), then every good line of the batch, which the service drops with it.
 */
export function batchRejection(
  file: string,
  lines: readonly number[],
  errors: readonly PointError[],
): LineReport[] {
  const lineOf = (index: number) => lines[index];
  const bad = [...new Set(errors.map((e) => lineOf(e.index)))].filter(
    (line): line is number => line !== undefined,
  );
  const reports = errors.map((e) => ({
    where: `${file}:${lineOf(e.index) ?? '?'}`,
    reason: `${e.field.replace(/^points\[\d+\]\.?/, '') || e.field}: ${e.message}`,
  }));
  const badLines =
    bad.length === 0
      ? 'no line named'
      : bad.length === 1
        ? `line ${bad[0]}`
        : `lines ${bad.join(', ')}`;
  for (const line of lines)
    if (!bad.includes(line))
      reports.push({
        where: `${file}:${line}`,
        reason: `not written: its batch had errors on ${badLines}`,
      });
  return reports;
}
