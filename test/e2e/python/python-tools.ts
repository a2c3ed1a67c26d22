import assert from 'node:assert/strict';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile, symlink, unlink } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

// Runs the Python client and subscriber of this folder for python-client.test.ts. Debian
// packages, installed by .ci/run: python3-grpcio, python3-protobuf, python3-numpy,
// protobuf-compiler, protobuf-compiler-grpc and libprotobuf-dev (google/protobuf/struct.proto).

const ROOT = path.resolve(import.meta.dirname, '../../..');
const PYTHON_DIR = import.meta.dirname;
// The Debian interpreter has grpcio, protobuf and numpy; a pyenv python3 on PATH may not.
const PYTHON = '/usr/bin/python3';
const PROTOC = '/usr/bin/protoc';
const GRPC_PLUGIN = '/usr/bin/grpc_python_plugin';
const INCLUDE = '/usr/include';

const run = promisify(execFile);

/** The operation event schema the subscriber validates against. */
export const EVENT_SCHEMA = path.join(ROOT, 'src/events/schema/operation-event.schema.json');

/** What client.py prints: facts the test asserts on, the operations it ran, its own failures. */
export interface ClientReport {
  collections: {
    tenant_id: string;
    points_count: number;
    listed_tenants: string[];
    ensure_existing_created: boolean;
    ensure_new_created: boolean;
    bad_upsert: {
      code: string;
      field_violations: string[];
      /** From the google.rpc.BadRequest in grpc-status-details-bin: [field, description]. */
      details: [string, string][];
    };
    refused: Record<string, string>;
    deleted: boolean;
    deleted_again: boolean;
  };
  ingest: {
    table: string;
    encoding: string;
    unique_ids: number;
    sent_seqs: number[];
    acks: { seq: number; upserted: number; errors: number }[];
    bad_seq: number;
    bad_ack: { index: number; field: string; message: string }[];
    count: number;
    points_count: number;
    search_ids: number[][];
    brute_force_ids: number[][];
    vectors_per_s: number;
    resend: { acks: number; count: number; search_ids: number[][] };
  }[];
  cleanup: { left: string[] };
  operations: OperationRow[];
  failures: string[];
}

/** One operation: its event's `data.operation` and `data.grpc_code`. */
export interface OperationRow {
  operation: string;
  grpc_code: string;
}

/** What nats_subscriber.py prints once told to stop. */
export interface SubscriberReport {
  events: (OperationRow & {
    subject: string;
    tenant_id?: string;
    table?: string;
    points?: number;
  })[];
  invalid: { subject: string; problems: string[] }[];
  other_subjects: string[];
  forbidden: { subject: string; text: string }[];
}

/** A started subscriber: its process and the report it prints when it stops. */
export interface Subscriber {
  readonly child: ChildProcess;
  readonly report: Promise<SubscriberReport>;
}

/** Throws naming the Debian package when a tool is missing. */
export function requirePythonTools(): void {
  const needs: [string, string, number][] = [
    [PYTHON, 'python3 python3-grpcio python3-protobuf python3-numpy', constants.X_OK],
    [PROTOC, 'protobuf-compiler', constants.X_OK],
    [GRPC_PLUGIN, 'protobuf-compiler-grpc', constants.X_OK],
    [path.join(INCLUDE, 'google/protobuf/struct.proto'), 'libprotobuf-dev', constants.R_OK],
  ];
  for (const [file, packages, mode] of needs) {
    try {
      accessSync(file, mode);
    } catch (err) {
      throw new Error(`${file} is missing: apt-get install ${packages}`, { cause: err });
    }
  }
}

/**
 * Generates the Python gRPC stubs into `dir` with exactly the README's command (issue 13: it
 * must work with Debian's tools), run where `proto` is this checkout's, plus the rich-status
 * messages.
 */
export async function generateStubs(dir: string): Promise<void> {
  const readme = await readFile(path.join(ROOT, 'README.md'), 'utf8');
  const command = /^protoc .*--grpc_python_out=.*$/m.exec(readme)?.[0];
  assert.ok(command !== undefined, "the README's protoc line");
  await symlink(path.join(ROOT, 'proto'), path.join(dir, 'proto'));
  try {
    await run('/bin/sh', ['-c', command], { cwd: dir });
  } finally {
    await unlink(path.join(dir, 'proto'));
  }
  await run(PROTOC, ['-I', PYTHON_DIR, '-I', INCLUDE, `--python_out=${dir}`, 'rpc_status.proto'], {
    cwd: ROOT,
  });
}

/** Runs client.py with `args`; resolves to its report even when a check failed (exit 1). */
export async function runPythonClient(args: string[], timeoutMs: number): Promise<ClientReport> {
  const { stdout, stderr } = await run(
    PYTHON,
    ['-B', path.join(PYTHON_DIR, 'client.py'), ...args],
    {
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((err: Error & { stdout?: string; stderr?: string }) => ({
    stdout: err.stdout ?? '',
    stderr: `${err.message}\n${err.stderr ?? ''}`,
  }));
  assert.ok(stdout.trim() !== '', `the Python client printed no report:\n${stderr}`);
  return JSON.parse(stdout) as ClientReport;
}

/** Starts nats_subscriber.py; resolves once the NATS server has confirmed its subscription. */
export async function startSubscriber(args: string[]): Promise<Subscriber> {
  const script = path.join(PYTHON_DIR, 'nats_subscriber.py');
  const child = spawn(PYTHON, ['-B', script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const first = await Promise.race([lines.next(), exited.then(() => undefined)]);
  assert.deepEqual(JSON.parse(String(first?.value ?? 'null')), { ready: true }, stderr);
  const report = (async () => {
    const last = await lines.next();
    assert.equal(await exited, 0, `the subscriber failed:\n${stderr}`);
    return JSON.parse(String(last.value)) as SubscriberReport;
  })();
  // Awaited by the test; a failure before then must not also surface as an unhandled rejection.
  void report.catch(() => undefined);
  return { child, report };
}

/** Occurrences of each `operation grpc_code` pair, sorted by key. */
export function tally(rows: readonly OperationRow[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const r of rows) {
    const key = `${r.operation} ${r.grpc_code}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort(([a], [b]) => a.localeCompare(b)));
}
