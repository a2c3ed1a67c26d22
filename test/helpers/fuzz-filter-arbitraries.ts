import fc from 'fast-check';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';

// Filters for fuzzing Search, Count and DeletePoints, each condition with the problems the
// service must name (fields relative to the condition) and, where the payload model below
// can say, whether a point matches. The rules are the contract's: keys are 1-256 characters
// of dot-separated non-empty names, optionally indexed `[n]`/`[]`, not under `_va_`; a match
// needs a value (integers within ±(2^53 - 1)); a range needs finite bounds, at least one.

/** The payload every point in the query fuzz carries. */
export interface ModelPayload {
  readonly n: number;
  readonly tag: string;
  readonly flag: boolean;
}

/** A generated condition, its problems, and how it tests a model payload (when it can). */
export interface FuzzCondition {
  readonly wire: pb.Condition;
  readonly problems: readonly string[];
  readonly test?: (p: ModelPayload) => boolean;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const SEGMENT = /^[^[\]]+(?:\[\d*\])*$/;

function keyProblems(key: string): string[] {
  const malformed =
    key.length === 0 ||
    key.length > 256 ||
    key.startsWith('_va_') ||
    key.split('.').some((part) => !SEGMENT.test(part));
  return malformed ? ['key'] : [];
}

type Body = pb.Condition['condition'];
interface FuzzBody {
  readonly body: Body;
  readonly problems: readonly string[];
  readonly test?: (stored: unknown) => boolean;
}

function bodyArb(): fc.Arbitrary<FuzzBody> {
  const match = (value: NonNullable<pb.Match['value']> | undefined): Body => ({
    $case: 'match',
    value: { value },
  });
  const matching = (value: NonNullable<pb.Match['value']>, wanted: unknown): FuzzBody => ({
    body: match(value),
    problems: [],
    test: (v) => v === wanted,
  });
  const bound = fc.option(fc.oneof(fc.integer({ min: -5, max: 50 }), fc.double()), {
    nil: undefined,
  });
  const range = fc.record({ gt: bound, gte: bound, lt: bound, lte: bound }).map((r) => {
    const given = (['gt', 'gte', 'lt', 'lte'] as const).filter((k) => r[k] !== undefined);
    const problems = given.filter((k) => !Number.isFinite(r[k])).map((k) => `range.${k}`);
    if (given.length === 0) problems.push('range');
    return {
      body: { $case: 'range' as const, value: r },
      problems,
      test: (v: unknown) =>
        typeof v === 'number' &&
        (r.gt === undefined || v > r.gt) &&
        (r.gte === undefined || v >= r.gte) &&
        (r.lt === undefined || v < r.lt) &&
        (r.lte === undefined || v <= r.lte),
    };
  });
  const good = (arbitrary: fc.Arbitrary<FuzzBody>) => ({ weight: 4, arbitrary });
  return fc.oneof(
    good(
      fc.constantFrom('a', 'b', '', 'x').map((k) => matching({ $case: 'keyword', value: k }, k)),
    ),
    good(
      fc
        .integer({ min: -3, max: 45 })
        .map((i) => matching({ $case: 'integer', value: BigInt(i) }, i)),
    ),
    good(fc.boolean().map((b) => matching({ $case: 'boolean', value: b }, b))),
    good(range),
    fc
      .bigInt({ min: -MAX_SAFE, max: MAX_SAFE })
      .map((i) => matching({ $case: 'integer', value: i }, Number(i))),
    fc.string({ maxLength: 4 }).map((k) => matching({ $case: 'keyword', value: k }, k)),
    fc.bigInt({ min: MAX_SAFE + 1n, max: 2n ** 63n - 1n }).map((i) => ({
      body: match({ $case: 'integer', value: i }),
      problems: ['match.integer'],
    })),
    fc.constant({ body: match(undefined), problems: ['match'] }),
    fc.constant({ body: undefined, problems: [''] }),
  );
}

/** Conditions on the model's keys, on other valid keys, and on malformed or reserved ones. */
export function conditionArb(): fc.Arbitrary<FuzzCondition> {
  const modelKey = fc.constantFrom('n', 'tag', 'flag', 'missing');
  const otherKey = fc.oneof(
    fc.constantFrom('nested.x', 'list[0]', 'list[]', 'a.b.c'),
    fc.constantFrom('', '.', 'a..b', 'a.', '.a', 'a[', 'a]', 'a[x]', '[0]', 'k'.repeat(257)),
    fc.constantFrom('_va_tenant', '_va_id', '_va_'),
    fc.string({ maxLength: 20 }),
  );
  const onModel = fc.tuple(modelKey, bodyArb()).map(([key, b]) => ({
    wire: { key, condition: b.body },
    problems: b.problems,
    ...(b.test === undefined
      ? {}
      : { test: (p: ModelPayload) => b.test!((p as unknown as Record<string, unknown>)[key]) }),
  }));
  const onOther = fc.tuple(otherKey, bodyArb()).map(([key, b]) => ({
    wire: { key, condition: b.body },
    problems: [...keyProblems(key), ...b.problems],
  }));
  return fc.oneof({ weight: 4, arbitrary: onModel }, onOther);
}

/** A generated filter: its wire form, every problem field, and a model predicate if known. */
export interface FuzzFilter {
  readonly wire: pb.Filter | undefined;
  readonly problems: readonly string[];
  readonly test?: (p: ModelPayload) => boolean;
}

/** Filters of up to two conditions per clause, or none, or one with too many conditions. */
export function filterArb(): fc.Arbitrary<FuzzFilter> {
  const clause = fc.array(conditionArb(), { maxLength: 2 });
  const some = fc.tuple(clause, clause, clause).map(([must, should, mustNot]) => {
    const named = [
      ...must.map((c, i) => ({ c, at: `filter.must[${i}]` })),
      ...should.map((c, i) => ({ c, at: `filter.should[${i}]` })),
      ...mustNot.map((c, i) => ({ c, at: `filter.must_not[${i}]` })),
    ];
    const problems = named.flatMap(({ c, at }) =>
      c.problems.map((p) => (p === '' ? at : `${at}.${p}`)),
    );
    const known = [...must, ...should, ...mustNot].every((c) => c.test !== undefined);
    const filter: FuzzFilter = {
      wire: {
        must: must.map((c) => c.wire),
        should: should.map((c) => c.wire),
        mustNot: mustNot.map((c) => c.wire),
      },
      problems,
    };
    if (!known || problems.length > 0) return filter;
    return {
      ...filter,
      test: (p: ModelPayload) =>
        must.every((c) => c.test!(p)) &&
        (should.length === 0 || should.some((c) => c.test!(p))) &&
        !mustNot.some((c) => c.test!(p)),
    };
  });
  const tooMany: FuzzFilter = {
    wire: {
      must: Array.from({ length: 257 }, () => ({
        key: 'n',
        condition: {
          $case: 'match' as const,
          value: { value: { $case: 'boolean' as const, value: true } },
        },
      })),
      should: [],
      mustNot: [],
    },
    problems: ['filter'],
  };
  return fc.oneof(
    { weight: 8, arbitrary: some },
    { weight: 2, arbitrary: fc.constant({ wire: undefined, problems: [], test: () => true }) },
    fc.constant(tooMany),
  );
}
