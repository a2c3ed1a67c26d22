import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LogFile } from '../logging/index.js';
import { ServiceStartError, waitForReady } from './ready-signal.js';
import { RssSampler } from './rss-sampler.js';

/** Entry modules the bench runs as child processes, relative to src/ (or dist/). */
export const ServiceEntry = {
  Server: 'main-server',
  Consumer: 'main-consumer',
  Sink: 'bench/sink-main',
} as const;
export type ServiceEntry = (typeof ServiceEntry)[keyof typeof ServiceEntry];

/** How to start one child service and know it is ready. */
export interface NodeServiceOptions {
  /** Short name for messages and the log file. */
  readonly name: string;
  readonly entry: ServiceEntry;
  readonly args?: readonly string[];
  /** The child's whole environment: nothing is inherited, so a run is reproducible. */
  readonly env: Readonly<Record<string, string>>;
  /** Where the child's stderr goes, line for line (capped and rotated, see LogFile). */
  readonly logFile: string;
  readonly startTimeoutMs?: number;
  /** Sees every stderr line after start-up too, e.g. to echo warnings. */
  readonly onLine?: (line: string) => void;
}

/** A running child service: where it serves (its ready message) and its memory. */
export interface NodeService {
  readonly name: string;
  readonly pid: number;
  /** The fields of its ready message (see ready-signal.ts), e.g. `address`. */
  readonly ready: Readonly<Record<string, unknown>>;
  readonly rss: RssSampler;
  readonly logFile: string;
  /** Resolves when the process ends, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Node arguments that run `entry` the way this module runs: TypeScript via tsx, or built JS. */
export function nodeArgsFor(entry: ServiceEntry): string[] {
  const typescript = import.meta.url.endsWith('.ts');
  const file = fileURLToPath(new URL(`../${entry}.${typescript ? 'ts' : 'js'}`, import.meta.url));
  return typescript ? ['--import', import.meta.resolve('tsx'), file] : [file];
}

/** Starts a child service and resolves once it announced that it serves (see ready-signal.ts). */
export async function startNodeService(options: NodeServiceOptions): Promise<NodeService> {
  const log = new LogFile(options.logFile);
  // Its own process group: a terminal's Ctrl-C reaches the parent, which stops children in order.
  const child = spawn(process.execPath, [...nodeArgsFor(options.entry), ...(options.args ?? [])], {
    env: options.env,
    // The IPC channel carries the child's ready message and tells it when this process is gone
    // (exit-on-signals.ts).
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    detached: true,
  });
  child.channel?.unref();
  const exitStatus = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>(
    (resolve) => child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const exited = exitStatus.then(() => undefined);
  if (child.stderr === null) throw new ServiceStartError(`${options.name}: no stderr pipe`);
  const lines = createInterface({ input: child.stderr });
  // The log closes only after the last line: lines may still arrive after 'exit'.
  const drained = new Promise<void>((resolve) => lines.once('close', resolve));
  // A bench interrupted by an exception must not leave servers behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  let tail = '';
  lines.on('line', (line) => {
    log.write(`${line}\n`);
    tail = `${tail}${line}\n`.slice(-8000);
    options.onLine?.(line);
  });
  try {
    const ready = await waitForReady(child, {
      name: options.name,
      timeoutMs: options.startTimeoutMs ?? 60_000,
      stderr: () => tail,
    });
    const rss = new RssSampler(child.pid ?? -1);
    return {
      name: options.name,
      pid: child.pid ?? -1,
      ready,
      rss,
      logFile: options.logFile,
      exited: exitStatus,
      stop: async (graceMs = 15_000) => {
        rss.stop();
        await terminate(child, exited, graceMs);
        process.removeListener('exit', killOnExit);
        await drained;
        log.close();
      },
    };
  } catch (err) {
    await terminate(child, exited, 0);
    process.removeListener('exit', killOnExit);
    await drained;
    log.close();
    throw err;
  }
}

async function terminate(child: ChildProcess, exited: Promise<void>, graceMs: number) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
