import assert from 'node:assert/strict';
import { test } from 'node:test';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { PointStructSchema, QueryPointsSchema, UpsertPointsSchema } from '@qdrant/js-client-grpc';
import type { Point } from '../../src/domain/types.js';
import { encodeGrpcPoint } from '../../src/stores/qdrant-grpc-point-bytes.js';
import { toGrpcFilter, upsertRequest } from '../../src/stores/qdrant-grpc-points.js';
import { validateRequest } from '../helpers/qdrant-grpc-validator.js';

const point = { id: 1, vector: new Float32Array([0.5, 1]), payload: { a: [1, { b: null }] } };

const NUM_ID = { pointIdOptions: { case: 'num', value: 1n } } as const;

/** As the peer receives it: encoded and decoded (the adapter hands protobuf-es encoded points). */
function upsert(
  extra: object = {},
  points: readonly Point[] = [point],
  plain: readonly MessageInitShape<typeof PointStructSchema>[] = [],
) {
  const message = create(UpsertPointsSchema, { collectionName: 'c', wait: true, ...extra });
  message.points = plain.map((p) => create(PointStructSchema, p));
  const request = upsertRequest({ collectionName: 'c', wait: true }, points.map(encodeGrpcPoint));
  message.$unknown = request.$unknown;
  return fromBinary(UpsertPointsSchema, toBinary(UpsertPointsSchema, message));
}

test('grpc validator - what the adapter sends passes', () => {
  assert.deepEqual(validateRequest(UpsertPointsSchema, upsert()), []);
  const query = create(QueryPointsSchema, {
    collectionName: 'c',
    query: {
      variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: [1] } } } },
    },
    limit: 3n,
    filter: toGrpcFilter({ must: [{ key: 'k', match: { value: 'v' } }, { has_id: [2] }] }),
  });
  assert.deepEqual(validateRequest(QueryPointsSchema, query), []);
});

test('grpc validator - each kind of bad request is named by its field', () => {
  const cases: [
    string,
    ReturnType<typeof upsert> | ReturnType<typeof create<typeof QueryPointsSchema>>,
    RegExp,
  ][] = [
    ['not waiting', upsert({ wait: false }), /wait: must be true/],
    ['no collection', upsert({ collectionName: '' }), /collectionName: required/],
    [
      'unlisted field',
      upsert({ shardKeySelector: { shardKeys: [] } }),
      /shardKeySelector: set, but not/,
    ],
    [
      'not finite',
      upsert({}, [{ ...point, vector: new Float32Array([Number.NaN]) }]),
      /dense\.data\[0\]: not finite/,
    ],
    ['bad uuid', upsert({}, [{ ...point, id: 'not-a-uuid' }]), /uuid: not a UUID/],
    [
      'value without a kind',
      upsert({}, [], [{ id: NUM_ID, payload: { a: {} } }]),
      /kind: no case set/,
    ],
    [
      'match and range at once',
      create(QueryPointsSchema, {
        collectionName: 'c',
        filter: {
          must: [
            {
              conditionOneOf: {
                case: 'field',
                value: {
                  key: 'k',
                  match: { matchValue: { case: 'boolean', value: true } },
                  range: { gt: 1 },
                },
              },
            },
          ],
        },
      }),
      /exactly one of match and range/,
    ],
    [
      'deprecated vector field',
      upsert(
        {},
        [],
        [{ id: NUM_ID, vectors: { vectorsOptions: { case: 'vector', value: { data: [1, 2] } } } }],
      ),
      /vector\.data: set, but not/,
    ],
  ];
  for (const [what, message, expected] of cases) {
    const schema =
      message.$typeName === 'qdrant.UpsertPoints' ? UpsertPointsSchema : QueryPointsSchema;
    const problems = validateRequest(schema, message);
    assert.ok(
      problems.some((p) => expected.test(p)),
      `${what}: ${JSON.stringify(problems)}`,
    );
  }
});
