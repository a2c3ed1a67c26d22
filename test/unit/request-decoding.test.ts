import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tolerantDecoding, undecodableRequest, wireSize } from '../../src/api/request-decoding.js';
import { UpsertRequest, VectorAdminService } from '../../src/gen/vectoradmin/v1/vectoradmin.js';

const decoding = tolerantDecoding(VectorAdminService);

test('request decoding - a decoded request remembers its wire size, payloads included', () => {
  const request = UpsertRequest.fromPartial({
    table: 'docs',
    seq: 1n,
    points: [
      {
        id: { kind: { $case: 'num', value: 1n } },
        vector: { kind: { $case: 'f32le', value: Buffer.alloc(16) } },
        payload: { text: 'x'.repeat(50_000) },
      },
    ],
  });
  const bytes = Buffer.from(UpsertRequest.encode(request).finish());
  const decoded = decoding.upsertStream.requestDeserialize(bytes) as object;
  assert.equal(undecodableRequest(decoded), undefined);
  assert.equal(wireSize(decoded), bytes.length);
  assert.ok(bytes.length > 50_000, 'the payload counts, not just the 16 vector bytes');
});

test('request decoding - malformed bytes become a stand-in that names the problem', () => {
  const decoded = decoding.upsertStream.requestDeserialize(
    Buffer.from([0xff, 0xff, 0xff]),
  ) as object;
  assert.match(
    undecodableRequest(decoded)?.message ?? '',
    /UpsertStream request is not a valid protobuf message: premature EOF/,
  );
});
