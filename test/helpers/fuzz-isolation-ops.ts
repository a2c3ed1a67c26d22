import fc from 'fast-check';
import {
  streamUpserts,
  wireId,
  wireVector,
  type Connection,
  type VectorAdminApi,
} from '../../src/client/index.js';
import * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { lifecycleCall, outcome, type Outcome } from './fuzz-grpc.js';

// Calls a tenant (the "intruder") may make while trying to reach another tenant's (the
// "victim's") data: every RPC, aimed at the victim's id, at look-alikes of it, at the
// victim's table names (own and shared), at the victim's point ids and payload values.

export const DIM = 4;
export const OWN: pb.CollectionConfig = {
  vectorSize: DIM,
  distance: pb.Distance.DISTANCE_DOT,
  tenancy: 0,
};
export const SHARED: pb.CollectionConfig = {
  ...OWN,
  tenancy: pb.Tenancy.TENANCY_SHARED_COLLECTION,
};

/** What the intruder knows or guesses about the victim. */
export interface Target {
  readonly victim: string;
  /** The victim's table names: its own tables and the shared one. */
  readonly tables: readonly string[];
  /** A payload value only the victim's points carry. */
  readonly secret: string;
  /** The victim's record ids (its numeric ids are 0..19). */
  readonly recordIds: readonly string[];
}

/** One intruder call, in a form that prints well when fast-check reports a counterexample. */
export type IntruderOp = {
  readonly rpc: string;
  readonly tenantId: string;
  readonly table: string;
  readonly arg: number;
};

const keyword = (key: string, value: string): pb.Condition => ({
  key,
  condition: { $case: 'match', value: { value: { $case: 'keyword', value } } },
});

/** Intruder calls: any RPC, any tenant id it might try, the victim's tables and more. */
export function intruderOpArb(target: Target): fc.Arbitrary<IntruderOp> {
  const v = target.victim;
  return fc.record({
    rpc: fc.constantFrom(
      'create',
      'ensure',
      'get',
      'delete',
      'list',
      'upsert',
      'stream',
      'deletePoints',
      'getPoints',
      'search',
      'count',
    ),
    tenantId: fc.oneof(
      { weight: 4, arbitrary: fc.constant('') },
      fc.constantFrom(v, v.toUpperCase(), ` ${v}`, `${v}_x`, `${v}-`),
    ),
    table: fc.constantFrom(...target.tables, 'intruder_own', `client_${v}_${target.tables[0]}`),
    arg: fc.nat(7),
  });
}

const vectorNear = (i: number) =>
  wireVector(Float32Array.from({ length: DIM }, (_, d) => (d === i % DIM ? 1 : 0.1)));

/** The intruder's own points: same numeric ids as the victim's, its own payload. */
export function intruderPoints(intruder: string, from: number, count: number): pb.Point[] {
  return Array.from({ length: count }, (_, i) => ({
    id: wireId(from + i),
    vector: vectorNear(from + i),
    payload: { owner: intruder, n: from + i },
  }));
}

/** Runs `op` with the intruder's connection; resolves to what the intruder got back. */
export async function runIntruderOp(
  api: VectorAdminApi,
  connection: Connection,
  intruder: string,
  target: Target,
  op: IntruderOp,
): Promise<Outcome> {
  const { tenantId, table, arg } = op;
  const config = arg % 2 === 0 ? OWN : SHARED;
  // Filters and ids aimed at the victim's data: its owner value, its secret, its ids.
  const filters: (pb.Filter | undefined)[] = [
    undefined,
    { must: [keyword('owner', target.victim)], should: [], mustNot: [] },
    { must: [keyword('secret', target.secret)], should: [], mustNot: [] },
    { must: [], should: [], mustNot: [keyword('owner', intruder)] },
    { must: [keyword('_va_tenant', target.victim)], should: [], mustNot: [] },
  ];
  const filter = filters[arg % filters.length];
  const ids = [
    wireId(arg),
    wireId(arg + 10),
    wireId({ recordId: target.recordIds[arg % target.recordIds.length]! }),
  ];
  switch (op.rpc) {
    case 'create':
    case 'ensure':
    case 'get':
    case 'delete':
    case 'list':
      return lifecycleCall(api, op.rpc, tenantId, table, config);
    case 'upsert': {
      const points = intruderPoints(intruder, arg, 3);
      // Try to write into the victim's partition of a shared table through the reserved key.
      if (arg === 7) points[0] = { ...points[0]!, payload: { _va_tenant: target.victim } };
      return outcome(api.upsert({ tenantId, table, seq: 1n, points, autoCreate: config }));
    }
    case 'stream':
      return outcome(
        streamUpserts(
          connection,
          [{ tenantId, table, points: intruderPoints(intruder, arg, 4), autoCreate: config }],
          {
            retry: { maxAttempts: 1, initialDelayMs: 0, maxDelayMs: 0 },
          },
        ),
      );
    case 'deletePoints':
      return outcome(
        api.deletePoints({
          tenantId,
          table,
          ids: arg % 3 === 0 ? [] : ids,
          filter: filter ?? filters[1],
        }),
      );
    case 'getPoints':
      return outcome(api.getPoints({ tenantId, table, ids, withVectors: true }));
    case 'search':
      return outcome(
        api.search({
          tenantId,
          table,
          vector: vectorNear(arg),
          limit: 50,
          filter,
          withPayload: true,
        }),
      );
    default:
      return outcome(api.count({ tenantId, table, filter, exact: true }));
  }
}

/** Everything the intruder saw, as text, to look for the victim's traces in. */
export function seen(got: Outcome): string {
  return JSON.stringify(
    { value: got.value, details: got.details, fields: got.fields },
    (_, x: unknown) => (typeof x === 'bigint' ? x.toString() : x),
  );
}
