import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LogFile } from '../logging/index.js';

// Twin of test/helpers/nats-server.ts (tests own that one and restart it on the same port; src
// must not import tests), reduced to start and stop: a temp config with `port: -1` and `ports_file_dir`, as nats.js's own
// launcher does (nats-io/nats.js `nst/src/launcher.ts`), then wait for the ports file.

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'];

/** A nats-server with JetStream the bench started on an ephemeral loopback port. */
export interface SpawnedNats {
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Thrown when no nats-server binary is found; names every place tried. */
export class NatsServerMissingError extends Error {
  override readonly name = 'NatsServerMissingError';
}

/** The nats-server binary: `binary` when given, else the usual install locations. */
export function findNatsServer(binary?: string): string {
  const tried = binary === undefined ? CANDIDATES : [binary];
  for (const candidate of tried) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new NatsServerMissingError(
    `nats-server not found (tried ${tried.join(', ')}): install it (apt-get install nats-server), pass --nats-server-bin, or run with --use-nats and NATS_URL`,
  );
}

const SETPRIV = '/usr/bin/setpriv';

/**
 * The command line that runs `command` so that it gets SIGTERM when this process dies, however
 * it dies (SIGKILL included): nats-server has no such option, so util-linux's `setpriv` sets
 * the kernel's parent-death signal and execs it (same pid). Where setpriv is missing (not
 * Linux), the command as it is: only a normal exit of this process stops it then. See docs/PLATFORM.md.
 */
function diesWithParent(command: readonly string[]): [string, string[]] {
  const [file = '', ...args] = command;
  try {
    accessSync(SETPRIV, constants.X_OK);
    return [SETPRIV, ['--pdeathsig', 'SIGTERM', '--', file, ...args]];
  } catch {
    return [file, args];
  }
}

/** Starts nats-server with JetStream storing under `dir`; resolves once it accepts TCP. */
export async function spawnNats(
  dir: string,
  binary?: string,
  timeoutMs = 15_000,
  logFile?: string,
): Promise<SpawnedNats> {
  const executable = findNatsServer(binary);
  const portsDir = path.join(dir, 'ports');
  await mkdir(portsDir, { recursive: true });
  const config = path.join(dir, 'nats.conf');
  await writeFile(
    config,
    [
      'host: 127.0.0.1',
      'port: -1',
      `ports_file_dir: ${JSON.stringify(portsDir)}`,
      `jetstream { store_dir: ${JSON.stringify(path.join(dir, 'jetstream'))}, max_mem_store: 256MB, max_file_store: 8GB }`,
    ].join('\n'),
  );
  // Detached like the other children: the parent stops it after the services that use it.
  const child = spawn(...diesWithParent([executable, '-c', config]), {
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true,
  });
  const log = logFile === undefined ? undefined : new LogFile(logFile);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = `${stderr}${chunk}`.slice(-8000);
    log?.write(chunk);
  });
  child.once('exit', () => log?.close());
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
    process.removeListener('exit', killOnExit);
  };
  try {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`nats-server exited:\n${stderr}`);
      const port = await readPortsFile(portsDir, child.pid ?? -1);
      if (port !== undefined && (await canConnect(port))) {
        return { url: `nats://127.0.0.1:${port}`, pid: child.pid ?? -1, stop };
      }
      if (performance.now() > deadline)
        throw new Error(`nats-server did not listen within ${timeoutMs} ms:\n${stderr}`);
      await sleep(20);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

/** True when something accepts TCP connections at the host and port of a nats:// URL. */
export function natsReachable(url: string, timeoutMs = 1000): Promise<boolean> {
  const first = url.split(',')[0]?.trim() ?? '';
  let parsed: URL;
  try {
    parsed = new URL(first.includes('://') ? first : `nats://${first}`);
  } catch {
    return Promise.resolve(false);
  }
  const port = Number(parsed.port || 4222);
  return canConnect(port, parsed.hostname.replace(/^\[|\]$/g, ''), timeoutMs);
}

async function readPortsFile(dir: string, pid: number): Promise<number | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const name = names.find((n) => n.endsWith(`_${pid}.ports`));
  if (name === undefined) return undefined;
  try {
    const ports = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as { nats?: string[] };
    const port = Number(new URL(ports.nats?.[0] ?? '').port);
    return Number.isInteger(port) && port > 0 ? port : undefined;
  } catch {
    return undefined; // written but not complete yet
  }
}

function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
