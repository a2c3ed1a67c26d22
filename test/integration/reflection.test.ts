import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { credentials, loadPackageDefinition, type Client } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { waitForHealth } from '../helpers/health.js';
import { startTestStack } from '../helpers/vector-admin-stack.js';

// Issue 13, item 1: reflection serves the real descriptors, so a strict client (grpcurl, or
// Python's descriptor_pool here) accepts them and the README's grpcurl lines work as written.

const ROOT = path.resolve(import.meta.dirname, '../..');
const PYTHON = '/usr/bin/python3';
const REFLECTED_CALL = path.join(ROOT, 'test/e2e/python/reflected_call.py');

interface ReflectionResponse {
  error_response?: { error_code: number; error_message: string };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  list_services_response?: { service: { name: string }[] };
}

type ReflectionStream = NodeJS.ReadWriteStream & {
  write(request: object): boolean;
  end(): void;
};

function reflectionClient(version: 'v1' | 'v1alpha', address: string): Client {
  const dir = path.join(
    path.dirname(createRequire(import.meta.url).resolve('@grpc/reflection')),
    '../proto',
  );
  const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, {
    includeDirs: [dir],
    keepCase: true,
    oneofs: true,
  });
  const pkg = loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: new (...a: unknown[]) => Client }> };
  };
  const Ctor = pkg.grpc.reflection[version]?.ServerReflection;
  assert.ok(Ctor !== undefined);
  return new Ctor(address, credentials.createInsecure());
}

/** Sends each request on one reflection stream and collects the answers in order. */
async function reflect(client: Client, requests: object[]): Promise<ReflectionResponse[]> {
  const stream = (
    client as unknown as { ServerReflectionInfo(): ReflectionStream }
  ).ServerReflectionInfo();
  const answers: ReflectionResponse[] = [];
  const done = new Promise<void>((resolve, reject) => {
    stream.on('data', (r: ReflectionResponse) => answers.push(r));
    stream.on('end', resolve);
    stream.on('error', reject);
  });
  for (const r of requests) stream.write(r);
  stream.end();
  await done;
  return answers;
}

/** A reflected file: decoded, and the bytes as served. */
type Reflected = FileDescriptorProto & { readonly bytes: Buffer };

/** Every file reachable from the listed services, fetched as grpcurl does, imports first. */
async function fetchAllFiles(client: Client): Promise<Reflected[]> {
  const [list] = await reflect(client, [{ list_services: '' }]);
  const services = (list?.list_services_response?.service ?? []).map((s) => s.name);
  const byName = new Map<string, Reflected>();
  const pending: object[] = services.map((s) => ({ file_containing_symbol: s }));
  while (pending.length > 0) {
    const answers = await reflect(client, pending.splice(0));
    for (const answer of answers) {
      assert.equal(answer.error_response, undefined, JSON.stringify(answer.error_response));
      for (const bytes of answer.file_descriptor_response?.file_descriptor_proto ?? []) {
        const file = Object.assign(fromBinary(FileDescriptorProtoSchema, bytes), { bytes });
        if (byName.has(file.name)) continue;
        byName.set(file.name, file);
        for (const dep of file.dependency)
          if (!byName.has(dep)) pending.push({ file_by_filename: dep });
      }
    }
  }
  const ordered: Reflected[] = [];
  const visit = (file: Reflected) => {
    if (ordered.includes(file)) return;
    for (const dep of file.dependency) {
      const found = byName.get(dep);
      assert.ok(found !== undefined, `${file.name} imports ${dep}, which reflection returned`);
      visit(found);
    }
    ordered.push(file);
  };
  for (const file of byName.values()) visit(file);
  return ordered;
}

/** The README's grpcurl lines: method and the `-d` JSON exactly as written ({} without -d). */
async function readmeGrpcurlCalls(): Promise<{ method: string; json: string }[]> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const commands = readme.match(/^grpcurl (?:.*\\\n)*.*$/gm) ?? [];
  return commands.map((command) => {
    const method = command.trim().split(/\s+/).at(-1) ?? '';
    const json = /-d '([^']*)'/.exec(command)?.[1] ?? '{}';
    return { method, json };
  });
}

function runPython(input: object): Promise<{
  fields: Record<string, string[]>;
  responses: Record<string, unknown>[];
}> {
  return new Promise((resolve, reject) => {
    const child = execFile(PYTHON, ['-B', REFLECTED_CALL], { timeout: 60_000 }, (err, out, e) =>
      err ? reject(new Error(`${err.message}\n${e}`)) : resolve(JSON.parse(out) as never),
    );
    child.stdin?.end(JSON.stringify(input));
  });
}

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
    const report = await runPython({
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
