import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { UsageError } from './args.js';

type JsonCondition = { key: string; match?: string | number | boolean; range?: pb.Range };

/** A filter from CLI JSON: `{"must":[{"key":"status","match":"open"},{"key":"n","range":{"gte":1}}]}`. */
export function filterFromJson(text: string | undefined): pb.Filter | undefined {
  if (text === undefined) return undefined;
  let parsed: { must?: JsonCondition[]; should?: JsonCondition[]; must_not?: JsonCondition[] };
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch (err) {
    throw new UsageError(`--filter is not JSON: ${(err as Error).message}`);
  }
  return {
    must: (parsed.must ?? []).map(condition),
    should: (parsed.should ?? []).map(condition),
    mustNot: (parsed.must_not ?? []).map(condition),
  };
}

function condition(c: JsonCondition): pb.Condition {
  if (c.range !== undefined) return { key: c.key, condition: { $case: 'range', value: c.range } };
  const m = c.match;
  if (typeof m === 'string')
    return {
      key: c.key,
      condition: { $case: 'match', value: { value: { $case: 'keyword', value: m } } },
    };
  if (typeof m === 'boolean')
    return {
      key: c.key,
      condition: { $case: 'match', value: { value: { $case: 'boolean', value: m } } },
    };
  if (typeof m === 'number' && Number.isInteger(m)) {
    return {
      key: c.key,
      condition: { $case: 'match', value: { value: { $case: 'integer', value: BigInt(m) } } },
    };
  }
  throw new UsageError(
    `--filter condition on "${c.key}" needs match (string, integer, boolean) or range`,
  );
}
