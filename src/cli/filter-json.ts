import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { UsageError } from './args.js';

type MatchValue = string | number | boolean;
type JsonCondition = {
  key: string;
  match?: MatchValue | Record<string, unknown>;
  range?: pb.Range;
};

/**
 * A filter from CLI JSON in Qdrant's shape, `{"must":[{"key":"state","match":{"value":"open"}},
 * {"key":"n","range":{"gte":1}}]}`, or with the short form `"match":"open"`. The service matches
 * one keyword, integer or boolean, so Qdrant's `any`/`except`/`text` are refused by name.
 */
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
  const m = matchValue(c);
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
    `--filter condition on "${c.key}" needs match (a string, integer or boolean, or {"value": one}) or range`,
  );
}

// The short form's value, or Qdrant's `{"value": v}`.
function matchValue(c: JsonCondition): unknown {
  const m = c.match;
  if (m === null || typeof m !== 'object') return m;
  if ('value' in m) return m.value;
  const kind = Object.keys(m)[0];
  if (kind !== undefined)
    throw new UsageError(
      `--filter condition on "${c.key}": match.${kind} is not supported; this service matches one value ({"value": v})`,
    );
  return undefined;
}
