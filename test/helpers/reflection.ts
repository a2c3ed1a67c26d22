import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fromBinary } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema, type FileDescriptorProto } from '@bufbuild/protobuf/wkt';
import { credentials, loadPackageDefinition, type Client } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

// What grpcurl does, for tests: fetch every file through server reflection, then convert the
// README's grpcurl JSON with those descriptors alone (Python's descriptor_pool, as strict as
// grpcurl) and send it.

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

export function reflectionClient(version: 'v1' | 'v1alpha', address: string): Client {
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
export async function reflect(client: Client, requests: object[]): Promise<ReflectionResponse[]> {
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
export type Reflected = FileDescriptorProto & { readonly bytes: Buffer };

/** Every file reachable from the listed services, fetched as grpcurl does, imports first. */
export async function fetchAllFiles(client: Client): Promise<Reflected[]> {
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
export async function readmeGrpcurlCalls(root = ROOT): Promise<{ method: string; json: string }[]> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const commands = readme.match(/^grpcurl (?:.*\\\n)*.*$/gm) ?? [];
  return commands.map((command) => {
    const method = command.trim().split(/\s+/).at(-1) ?? '';
    const json = /-d '([^']*)'/.exec(command)?.[1] ?? '{}';
    return { method, json };
  });
}

/** Runs reflected_call.py: `files` base64 descriptors (imports first), `calls` to send. */
export function runReflectedCalls(input: {
  address: string;
  files: string[];
  calls: { method: string; json: string }[];
}): Promise<{
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
