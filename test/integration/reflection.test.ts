import assert from 'node:assert/strict';
import { test } from 'node:test';
import { waitForHealth } from '../helpers/health.js';
import {
  fetchAllFiles,
  readmeGrpcurlCalls,
  reflect,
  reflectionClient,
  runReflectedCalls,
} from '../helpers/reflection.js';
import { startTestStack } from '../helpers/vector-admin-stack.js';

// Issue 13, item 1: reflection serves the real descriptors, so a strict client (grpcurl, or
// Python's descriptor_pool here) accepts them and the README's grpcurl lines work as written.

for (const version of ['v1', 'v1alpha'] as const) {
  test(`reflection - ${version} serves the buf-built files with real names and imports`, async () => {
    await using stack = await startTestStack();
    const client = reflectionClient(version, stack.address);
    try {
      const files = await fetchAllFiles(client);
      const names = files.map((f) => f.name).sort();
      assert.deepEqual(names, [
        'google/protobuf/struct.proto',
        'google/protobuf/timestamp.proto',
        'health/v1/health.proto',
        'vectoradmin/v1/analysis.proto',
        'vectoradmin/v1/probe.proto',
        'vectoradmin/v1/provisioning.proto',
        'vectoradmin/v1/vectoradmin.proto',
      ]);
      const contract = files.find((f) => f.name === 'vectoradmin/v1/vectoradmin.proto');
      assert.deepEqual(contract?.dependency, [
        'google/protobuf/struct.proto',
        'vectoradmin/v1/analysis.proto',
        'vectoradmin/v1/probe.proto',
        'vectoradmin/v1/provisioning.proto',
      ]);
      const collection = contract?.messageType.find((m) => m.name === 'Collection');
      assert.ok(
        collection?.field.some((f) => f.name === 'tenant_id'),
        'snake_case field names',
      );
      const struct = files.find((f) => f.name === 'google/protobuf/struct.proto');
      assert.deepEqual(
        struct?.messageType.map((m) => m.name),
        ['Struct', 'Value', 'ListValue'],
        "Struct's map entry stays nested, as in the real file",
      );
      const [missing] = await reflect(client, [{ file_containing_symbol: 'no.such.Symbol' }]);
      assert.equal(missing?.error_response?.error_code, 5, 'NOT_FOUND for an unknown symbol');
    } finally {
      client.close();
    }
  });
}

test('reflection - a fresh Python descriptor pool loads every file and runs the README grpcurl lines', async () => {
  await using stack = await startTestStack();
  const client = reflectionClient('v1', stack.address);
  try {
    await waitForHealth(stack.connection(), '', 'SERVING');
    const files = await fetchAllFiles(client);
    const calls = await readmeGrpcurlCalls();
    assert.deepEqual(
      calls.map((c) => c.method),
      ['vectoradmin.v1.VectorAdmin/EnsureCollection', 'grpc.health.v1.Health/Check'],
      "the README's grpcurl lines",
    );
    const report = await runReflectedCalls({
      address: stack.address,
      files: files.map((f) => f.bytes.toString('base64')),
      calls,
    });
    assert.deepEqual(report.fields['vectoradmin.v1.EnsureCollectionRequest'], [
      'tenant_id',
      'table',
      'config',
    ]);
    const [ensured, health] = report.responses;
    assert.equal(ensured?.created, true);
    const collection = ensured?.collection as Record<string, unknown> | undefined;
    assert.equal(collection?.tenant_id, 'acme');
    assert.equal(collection?.table, 'work_items');
    assert.deepEqual(collection?.config, {
      vector_size: 1536,
      distance: 'DISTANCE_COSINE',
      tenancy: 'TENANCY_COLLECTION_PER_TENANT',
    });
    assert.deepEqual(health, { status: 'SERVING' });
  } finally {
    client.close();
  }
});
