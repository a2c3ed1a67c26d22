import { reflect } from '@bufbuild/protobuf/reflect';
import type { Condition } from '@qdrant/js-client-grpc';
import type { DescMessage, Message } from '@bufbuild/protobuf';
import type { ReflectMessage } from '@bufbuild/protobuf/reflect';

/**
 * Field-by-field checks of the gRPC requests the adapter sends, against what the peer can
 * honestly play: every field set must be on the method's list (a field the peer would ignore,
 * Qdrant would not), every oneof must have a case, no field may be unknown to the client's
 * descriptors, floats must be finite and ids well formed. Paths read like
 * `points[].vectors.vector.dense.data`; a Filter or payload Value restarts the path, since
 * filters nest and payloads are free-form.
 */

const FILTER = 'qdrant.Filter';
const VALUE = 'qdrant.Value';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const CLAUSES = ['must', 'should', 'mustNot'] as const;
const FILTER_FIELDS = new Set(
  CLAUSES.flatMap((c) => [
    c,
    `${c}[].field`,
    `${c}[].field.key`,
    `${c}[].field.match`,
    `${c}[].field.match.keyword`,
    `${c}[].field.match.integer`,
    `${c}[].field.match.boolean`,
    `${c}[].field.range`,
    ...['gt', 'gte', 'lt', 'lte'].map((b) => `${c}[].field.range.${b}`),
    `${c}[].hasId`,
    `${c}[].hasId.hasId`,
    `${c}[].hasId.hasId[].num`,
    `${c}[].hasId.hasId[].uuid`,
    `${c}[].filter`,
  ]),
);

const ID = (at: string) => [`${at}.num`, `${at}.uuid`];

/** The fields each method's request may set. */
export const REQUEST_FIELDS: Readonly<Record<string, ReadonlySet<string>>> = {
  'qdrant.UpsertPoints': new Set([
    'collectionName',
    'wait',
    'ordering',
    'ordering.type',
    'points',
    'points[].id',
    ...ID('points[].id'),
    'points[].vectors',
    'points[].vectors.vector',
    'points[].vectors.vector.dense',
    'points[].vectors.vector.dense.data',
    'points[].payload',
  ]),
  'qdrant.DeletePoints': new Set([
    'collectionName',
    'wait',
    'ordering',
    'ordering.type',
    'points',
    'points.points',
    'points.points.ids',
    ...ID('points.points.ids[]'),
    'points.filter',
  ]),
  'qdrant.QueryPoints': new Set([
    'collectionName',
    'query',
    'query.nearest',
    'query.nearest.dense',
    'query.nearest.dense.data',
    'limit',
    'withPayload',
    'withPayload.enable',
    'filter',
    'params',
    'params.exact',
    'params.hnswEf',
  ]),
  'qdrant.CountPoints': new Set(['collectionName', 'exact', 'filter']),
  'qdrant.GetPoints': new Set([
    'collectionName',
    'ids',
    ...ID('ids[]'),
    'withPayload',
    'withPayload.enable',
    'withVectors',
    'withVectors.enable',
  ]),
  'qdrant.HealthCheckRequest': new Set(),
};

/** Every problem with `message`, a request of `desc`, one of REQUEST_FIELDS' types. */
export function validateRequest(desc: DescMessage, message: Message): string[] {
  const problems: string[] = [];
  const where = desc.typeName;
  const allowed = REQUEST_FIELDS[where];
  if (allowed === undefined) return [`${where}: not a request this peer serves`];
  walk(reflect(desc, message), '', allowed, problems, where);
  const fields = message as { collectionName?: string; wait?: boolean };
  if (where !== 'qdrant.HealthCheckRequest' && !fields.collectionName) {
    problems.push(`${where} collectionName: required`);
  }
  if (WRITES.has(where) && fields.wait !== true) {
    problems.push(`${where} wait: must be true (the ack must mean applied)`);
  }
  return problems;
}

const WRITES = new Set(['qdrant.UpsertPoints', 'qdrant.DeletePoints']);

function walk(
  r: ReflectMessage,
  prefix: string,
  allowed: ReadonlySet<string>,
  problems: string[],
  where: string,
): void {
  const unknown = (r.message as { $unknown?: unknown[] }).$unknown;
  if (unknown !== undefined && unknown.length > 0) {
    problems.push(`${where} ${prefix || '(root)'}: fields unknown to Qdrant's descriptors`);
  }
  for (const oneof of r.desc.oneofs) {
    if (oneof.fields.some((f) => f.proto.proto3Optional)) continue;
    if (r.oneofCase(oneof) === undefined)
      problems.push(`${where} ${prefix}${oneof.localName}: no case set`);
  }
  for (const field of r.desc.fields) {
    if (!r.isSet(field)) continue;
    const path = `${prefix}${field.localName}`;
    if (!allowed.has(path)) {
      problems.push(`${where} ${path}: set, but not part of what the adapter may send`);
      continue;
    }
    if (
      field.fieldKind === 'scalar' &&
      typeof r.get(field) === 'number' &&
      !Number.isFinite(r.get(field))
    ) {
      problems.push(`${where} ${path}: not finite`);
    }
    const value: unknown = field.fieldKind === 'scalar' ? r.get(field) : undefined;
    if (field.localName === 'uuid' && (typeof value !== 'string' || !UUID.test(value))) {
      problems.push(`${where} ${path}: not a UUID`);
    }
    if (field.fieldKind === 'list') {
      const list = r.get(field);
      let i = 0;
      for (const item of list) {
        if (isReflectMessage(item)) descend(item, `${path}[]`, allowed, problems, `${where}`, i);
        else if (typeof item === 'number' && !Number.isFinite(item)) {
          problems.push(`${where} ${path}[${i}]: not finite`);
        }
        i += 1;
      }
    } else if (field.fieldKind === 'map') {
      for (const [, value] of r.get(field)) {
        if (isReflectMessage(value)) descend(value, `${path}{}`, allowed, problems, where, 0);
      }
    } else if (field.fieldKind === 'message') {
      descend(r.get(field), path, allowed, problems, where, 0);
    }
  }
}

function isReflectMessage(value: unknown): value is ReflectMessage {
  return typeof value === 'object' && value !== null && 'desc' in value && 'message' in value;
}

function descend(
  child: ReflectMessage,
  path: string,
  allowed: ReadonlySet<string>,
  problems: string[],
  where: string,
  _index: number,
): void {
  if (child.desc.typeName === FILTER) {
    walk(child, '', FILTER_FIELDS, problems, `${where} ${path}:`);
    const filter = child.message as unknown as Record<(typeof CLAUSES)[number], Condition[]>;
    for (const c of CLAUSES) {
      for (const cond of filter[c]) {
        if (cond.conditionOneOf.case !== 'field') continue;
        const { match, range } = cond.conditionOneOf.value;
        if ((match === undefined) === (range === undefined)) {
          problems.push(`${where} ${path}.${c}[].field: exactly one of match and range`);
        }
        if (range !== undefined && Object.values(range).every((b) => b === undefined)) {
          problems.push(`${where} ${path}.${c}[].field.range: no bound`);
        }
      }
    }
    return;
  }
  if (child.desc.typeName === VALUE) {
    walk(child, '', VALUE_FIELDS, problems, `${where} ${path}:`);
    return;
  }
  walk(child, `${path}.`, allowed, problems, where);
}

// A payload Value: any kind, nested freely (each nested Value and Struct restarts here).
const VALUE_FIELDS = new Set([
  'nullValue',
  'doubleValue',
  'integerValue',
  'stringValue',
  'boolValue',
  'structValue',
  'structValue.fields',
  'listValue',
  'listValue.values',
]);
