import { spawn, type ChildProcess } from 'node:child_process';
import { chown, mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitForReady } from '../../src/processes/index.js';
import { builtCli } from './built-output.js';
import { assertReadableBy } from './readable-by.js';

/** The uid/gid a service runs as when tests run as root, so file permissions bind it. */
const UNPRIVILEGED = 65534;

/** A free loopback port: bound on 127.0.0.1:0, read back and released. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** True when file permissions cannot stop this process (root); services then drop to nobody. */
export function runningAsRoot(): boolean {
  return process.getuid?.() === 0;
}

/** A temp data dir the service process may write (owned by it when it drops root). */
export async function serviceDataDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  if (runningAsRoot()) await chown(dir, UNPRIVILEGED, UNPRIVILEGED);
  return dir;
}

/** How to run `vector-admin serve` as its own process. */
export interface ServiceProcessOptions {
  /** Fixed across restarts, so clients reconnect to the same address. */
  readonly port: number;
  readonly dataDir: string;
  /** Extra environment (keys, NATS, limits) on top of this process's. */
  readonly env: Record<string, string>;
  readonly startTimeoutMs?: number;
}

/** `vector-admin serve` in a child process: killable with SIGKILL and restartable. */
export class ServiceProcess implements AsyncDisposable {
  #child: ChildProcess | undefined;
  #exited: Promise<number | string> = Promise.resolve(0);
  #log = '';

  private constructor(private readonly options: ServiceProcessOptions) {}

  /**
   * Spawns the built service and resolves once it announced that it serves. A start that fails
   * (exit, no ready signal in time, a checkout the service's user cannot read) throws at once
   * with the reason and the service's stderr.
   */
  static async start(options: ServiceProcessOptions): Promise<ServiceProcess> {
    const service = new ServiceProcess(options);
    try {
      await service.launch();
    } catch (err) {
      await service[Symbol.asyncDispose]();
      throw err;
    }
    return service;
  }

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Everything the service logged (JSON lines on stderr), across restarts. */
  get log(): string {
    return this.#log;
  }

  /** Its log lines at `level`, parsed. */
  logLines(level: string): { msg: string; [key: string]: unknown }[] {
    return this.#log
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; level: string })
      .filter((line) => line.level === level);
  }

  /** Resident set size of the service process now, from /proc. */
  async rssBytes(): Promise<number> {
    return (await this.memoryBytes()).rss;
  }

  /** Resident set size now and its high-water mark so far (VmHWM), from /proc. */
  async memoryBytes(): Promise<{ rss: number; highWater: number }> {
    return processMemoryBytes(this.pid ?? -1);
  }

  /** Sends `signal` and resolves to the exit code or signal name. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    this.#child?.kill(signal);
    return this.#exited;
  }

  /** Starts the service again on the same port and data dir. */
  async restart(): Promise<void> {
    await this.launch();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (this.#child === undefined) return;
    const child = this.#child;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.#exited;
    clearTimeout(timer);
  }

  private async launch(): Promise<void> {
    if (this.#child !== undefined) throw new Error('service process already running');
    const cli = await builtCli();
    if (runningAsRoot()) assertReadableBy(UNPRIVILEGED, [process.execPath, cli]);
    const child = spawn(process.execPath, [cli, 'serve'], {
      env: {
        ...process.env,
        VECTORADMIN_GRPC_ADDR: this.address,
        VECTORADMIN_DATA_DIR: this.options.dataDir,
        VECTORADMIN_SHUTDOWN_TIMEOUT_MS: '2000',
        ...this.options.env,
      },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // A directory its user may enter, whatever the test's working directory is.
      cwd: this.options.dataDir,
      ...(runningAsRoot() ? { uid: UNPRIVILEGED, gid: UNPRIVILEGED } : {}),
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        if (this.#child === child) this.#child = undefined;
        resolve(code ?? signal ?? 'unknown');
      });
    });
    const logBefore = this.#log.length;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      this.#log = (this.#log + chunk).slice(-1_000_000);
    });
    await waitForReady(child, {
      name: `the service on ${this.address}`,
      timeoutMs: this.options.startTimeoutMs ?? 30_000,
      stderr: () => this.#log.slice(logBefore),
    });
  }
}

/** A process's resident set size now and its high-water mark so far (VmHWM), from /proc. */
export async function processMemoryBytes(pid: number): Promise<{ rss: number; highWater: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const bytes = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(status)?.[1]) * 1024;
  return { rss: bytes('VmRSS'), highWater: bytes('VmHWM') };
}
