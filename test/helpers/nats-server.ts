import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitFor } from './wait-for.js';

// Modelled on nats-io/nats.js `nst/src/launcher.ts`: a temp config with `port: -1` and
// `ports_file_dir`, wait for the ports file, and restart on the same port and store dir.

/** How to configure a test server. */
export interface NatsServerOptions {
  /** Enable JetStream (file store in the temp dir); on by default. */
  readonly jetstream?: boolean;
  /** Extra nats-server configuration lines. */
  readonly extraConfig?: string;
  /** How long to wait for the server to listen; 10 s by default. */
  readonly startTimeoutMs?: number;
}

/** How to stop: `kill` is SIGKILL (a crash), otherwise SIGTERM and a clean shutdown. */
export interface StopOptions {
  readonly kill?: boolean;
}

// Servers still running when the test process exits (a runner timeout, process.exit) are
// killed with it rather than left behind as orphans.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

const CANDIDATES = ['/usr/sbin/nats-server', '/usr/local/bin/nats-server', '/usr/bin/nats-server'];

/** The nats-server binary: $NATS_SERVER_BIN, a usual location, or PATH; throws naming what it tried. */
export function natsServerBinary(): string {
  const fromPath = (process.env.PATH ?? '')
    .split(path.delimiter)
    .map((dir) => path.join(dir, 'nats-server'));
  const tried = [process.env.NATS_SERVER_BIN, ...CANDIDATES, ...fromPath].filter(
    (p): p is string => !!p,
  );
  for (const candidate of tried) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    `nats-server not found (tried ${tried.join(', ')}): install it (apt-get install nats-server) or set NATS_SERVER_BIN`,
  );
}

/** A real nats-server on an ephemeral loopback port with its own temp dir. */
export class NatsServer {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private stderr = '';
  private port = -1;

  private constructor(
    private readonly binary: string,
    readonly dir: string,
    private readonly options: NatsServerOptions,
  ) {}

  /** Starts a server; resolves once it accepts TCP connections. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const binary = natsServerBinary();
    const dir = await mkdtemp(path.join(tmpdir(), 'nats-server-test-'));
    const server = new NatsServer(binary, dir, options);
    try {
      await server.launch();
    } catch (err) {
      await server[Symbol.asyncDispose]();
      throw err;
    }
    return server;
  }

  /** `nats://127.0.0.1:<port>`; stays the same across restarts. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** JetStream's store directory; kept across restarts. */
  get storeDir(): string {
    return path.join(this.dir, 'jetstream');
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  /** What the server logged, for assertion messages. */
  get log(): string {
    return this.stderr;
  }

  /** Stops the server: SIGTERM by default, SIGKILL with `{ kill: true }`. */
  async stop(options: StopOptions = {}): Promise<void> {
    const child = this.child;
    if (child === undefined) return;
    child.kill(options.kill === true ? 'SIGKILL' : 'SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  /** Starts again on the same port with the same store dir (stopping first if running). */
  async restart(options: StopOptions = {}): Promise<void> {
    await this.stop(options);
    await this.launch();
  }

  /** Kills the server and deletes its temp dir. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop({ kill: true });
    await rm(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    const portsDir = path.join(this.dir, 'ports');
    // A fresh dir per launch: a killed server leaves its ports file behind.
    await rm(portsDir, { recursive: true, force: true });
    await mkdir(portsDir);
    const config = path.join(this.dir, 'server.conf');
    await writeFile(config, this.config(portsDir));
    const child = spawn(this.binary, ['-c', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.child = child;
    live.add(child);
    this.exited = new Promise((resolve) => {
      child.once('exit', () => {
        live.delete(child);
        if (this.child === child) this.child = undefined;
        resolve();
      });
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.stderr = (this.stderr + chunk).slice(-200_000);
    });
    const timeoutMs = this.options.startTimeoutMs ?? 10_000;
    const port = await waitFor(
      async () => {
        if (this.child !== child)
          throw new Error(`nats-server exited during start-up:\n${this.stderr}`);
        return readPortsFile(portsDir, child.pid ?? -1);
      },
      { timeoutMs, reason: 'the nats-server ports file' },
    );
    await waitFor(() => canConnect(port), {
      timeoutMs,
      reason: `nats-server accepting on port ${port}`,
    });
    this.port = port;
  }

  private config(portsDir: string): string {
    const lines = [
      'host: 127.0.0.1',
      // -1 picks a free port on first start; restarts reuse it so clients reconnect.
      `port: ${this.port}`,
      `ports_file_dir: ${JSON.stringify(portsDir)}`,
    ];
    if (this.options.jetstream !== false) {
      lines.push(
        `jetstream { store_dir: ${JSON.stringify(this.storeDir)}, max_mem_store: 64MB, max_file_store: 2GB }`,
      );
    }
    if (this.options.extraConfig !== undefined) lines.push(this.options.extraConfig);
    return `${lines.join('\n')}\n`;
  }
}

async function readPortsFile(dir: string, pid: number): Promise<number | undefined> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const name = names.find((n) => n.endsWith(`_${pid}.ports`));
  if (name === undefined) return undefined;
  const ports = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as { nats?: string[] };
  const port = Number(new URL(ports.nats?.[0] ?? '').port);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
