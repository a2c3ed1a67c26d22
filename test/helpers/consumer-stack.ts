import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { connect, type JetStreamClient, type NatsConnection } from 'nats';
import { loadConfig, type Config } from '../../src/config/index.js';
import { provisionEventsStream } from '../../src/events/index.js';
import { waitForReady } from '../../src/processes/index.js';
import { NatsServer } from './nats-server.js';

/** A nats-server with the events stream, a client and a temp data dir for consumer tests. */
export interface ConsumerFixture {
  readonly server: NatsServer;
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly dataDir: string;
  readonly consumerName: string;
  /** The consumer's environment: loopback port 0 everywhere, a short AckWait. */
  readonly env: Record<string, string>;
  /** `loadConfig(env + overrides)`. */
  config(overrides?: Record<string, string>): Config;
  [Symbol.asyncDispose](): Promise<void>;
}

/** The events stream the fixtures create (one nats-server per fixture, so no overlap). */
export const TEST_STREAM = 'VECTORADMIN_EVENTS';

/** Starts a nats-server, provisions the events stream as the service does, connects. */
export async function startConsumerFixture(title: string): Promise<ConsumerFixture> {
  const server = await NatsServer.start();
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-consumer-test-'));
  const nc = await connect({ servers: server.url });
  await provisionEventsStream(await nc.jetstreamManager(), {
    name: TEST_STREAM,
    maxAgeMs: 0,
    maxBytes: -1,
    maxMsgs: -1,
    duplicateWindowMs: 120_000,
    replicas: 1,
  });
  const consumerName = `${title.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}-${Math.random().toString(36).slice(2, 8)}`;
  const env: Record<string, string> = {
    VECTORADMIN_DATA_DIR: dataDir,
    NATS_URL: server.url,
    VECTORADMIN_EVENTS_STREAM: TEST_STREAM,
    VECTORADMIN_CONSUMER_NAME: consumerName,
    VECTORADMIN_CONSUMER_ACK_WAIT_MS: '1000',
    VECTORADMIN_DASHBOARD_ADDR: '127.0.0.1:0',
    VECTORADMIN_PROMETHEUS_ADDR: '127.0.0.1:0',
    VECTORADMIN_SUMMARY_WINDOW_MS: '10000',
    VECTORADMIN_LOG_LEVEL: 'warn',
  };
  return {
    server,
    nc,
    js: nc.jetstream(),
    dataDir,
    consumerName,
    env,
    config: (overrides = {}) => loadConfig({ ...env, ...overrides }),
    [Symbol.asyncDispose]: async () => {
      await nc.close();
      await server[Symbol.asyncDispose]();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** `vector-admin consume` as its own process (the CLI through tsx). */
export interface ConsumerProcess {
  readonly child: ChildProcess;
  /** What it wrote to stderr (its JSON log). */
  readonly log: () => string;
  /** Resolves to the exit code (or signal name) once it exited. */
  readonly exited: Promise<number | string>;
  /** Its readiness signal (processes/ready-signal.ts): where the dashboard and /metrics serve. */
  readonly ready: Promise<Readonly<Record<string, unknown>>>;
  kill(signal: NodeJS.Signals): void;
}

const CLI = path.resolve(import.meta.dirname, '../../src/cli/main.ts');

/** Spawns `vector-admin consume [args]` with `env` on top of this process's environment. */
export function spawnConsumer(
  env: Record<string, string>,
  args: readonly string[] = [],
): ConsumerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'consume', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-100_000);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
  // Listening from the start: a message nobody listens for is lost. Tests that expect the
  // process to stand by or fail never await it, so its rejection is handled here too.
  const ready = waitForReady(child, { name: 'consumer', timeoutMs: 60_000, stderr: () => stderr });
  ready.catch(() => undefined);
  return { child, log: () => stderr, exited, ready, kill: (signal) => child.kill(signal) };
}

/** Runs `vector-admin <args>` to completion; resolves to its exit code and stdout. */
export async function runCli(
  env: Record<string, string>,
  args: readonly string[],
): Promise<{ code: number | null; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (stdout += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout };
}
