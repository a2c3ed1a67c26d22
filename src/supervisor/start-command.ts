import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { SERVICE_PROCESS_ENV, childEnvironment, type Config } from '../config/index.js';
import {
  NatsServerMissingError,
  natsReachable,
  spawnNats,
  type SpawnedNats,
} from '../processes/index.js';
import { ServiceEntry, startNodeService, type NodeService } from '../processes/index.js';
import { banner } from './banner.js';

/** Why `npm start` cannot run, with the one-line fix; exit code 2. */
export class StartError extends Error {
  override readonly name = 'StartError';
}

interface Stack {
  readonly nats: SpawnedNats | undefined;
  readonly server: NodeService;
  readonly consumer: NodeService | undefined;
}

/**
 * `vector-admin start` (what `npm start` runs): supervises the same processes a deployment runs
 * separately (`serve`, `consume`), plus a nats-server when none answers at NATS_URL. One
 * SIGINT/SIGTERM/SIGHUP, or the death of its own parent, stops them all in order; a child that dies is reported and ends the rest.
 */
export async function startCommand(
  _argv: string[],
  config: Config,
  out: (text: string) => void,
): Promise<void> {
  // With the terminal gone, writing the last lines must not crash the shutdown.
  process.stdout.on('error', () => undefined);
  const logDir = path.join(config.dataDir, 'logs');
  await mkdir(logDir, { recursive: true });
  const stack = await launch(config, logDir, out);
  out(banner(config, stack.server.ready, stack.consumer?.ready, stack.nats, logDir));
  const exitCode = await new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (reason: string, code: number) => {
      if (stopping) return;
      stopping = true;
      out(reason);
      shutdown(stack).then(
        () => resolve(code),
        (err: unknown) => {
          out(`shutdown failed: ${(err as Error).message}`);
          resolve(1);
        },
      );
    };
    // Not `once`: a Ctrl-C reaches this process from the terminal and again from npm, and a
    // second signal without a handler would kill it mid-shutdown. SIGHUP is a closed terminal;
    // npm passes it on to no script, so a parent that went away is noticed by its id changing.
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
      process.on(signal, () => stop(`stopping (${signal})…`, 0));
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid !== parent) stop('stopping (the parent process exited)…', 0);
    }, 500);
    watch.unref();
    for (const child of [stack.server, stack.consumer]) {
      child?.exited
        .then(({ code, signal }) =>
          stop(
            `${child.name} exited unexpectedly (code ${code}, signal ${signal}); see ${child.logFile}`,
            1,
          ),
        )
        .catch(() => undefined);
    }
  });
  out(exitCode === 0 ? 'stopped' : 'stopped after a failure');
  process.exitCode = exitCode;
}

async function launch(config: Config, logDir: string, out: (text: string) => void): Promise<Stack> {
  let nats: SpawnedNats | undefined;
  let natsUrl: string | undefined;
  if (config.events.enabled) {
    natsUrl = config.events.natsUrl;
    if (!(await natsReachable(natsUrl))) {
      try {
        nats = await spawnNats(
          path.join(config.dataDir, 'nats'),
          undefined,
          undefined,
          path.join(logDir, 'nats.log'),
        );
      } catch (err) {
        if (!(err instanceof NatsServerMissingError)) throw err;
        throw new StartError(
          `nothing answers at NATS_URL=${natsUrl} and nats-server is not installed.\n` +
            'Fix: apt-get install nats-server (or point NATS_URL at a running server), ' +
            'or run without events: VECTORADMIN_EVENTS=off npm start',
        );
      }
      natsUrl = nats.url;
      out(`started nats-server at ${natsUrl} (store under ${path.join(config.dataDir, 'nats')})`);
    }
  }
  const env = childEnvironment(
    {
      VECTORADMIN_DATA_DIR: config.dataDir,
      ...(natsUrl === undefined ? {} : { NATS_URL: natsUrl }),
    },
    SERVICE_PROCESS_ENV,
  );
  let server: NodeService | undefined;
  try {
    server = await startNodeService({
      name: 'server',
      entry: ServiceEntry.Server,
      env,
      logFile: path.join(logDir, 'server.log'),
      onLine: echoProblems('server', out),
    });
    const consumer = config.events.enabled
      ? await startNodeService({
          name: 'consumer',
          entry: ServiceEntry.Consumer,
          // The address the server did bind (port 0 picks one): the dashboard's collections
          // page calls it, with the admin key both inherit.
          env: { ...env, VECTORADMIN_GRPC_ADDR: String(server.ready.address) },
          logFile: path.join(logDir, 'consumer.log'),
          onLine: echoProblems('consumer', out),
        })
      : undefined;
    return { nats, server, consumer };
  } catch (err) {
    await server?.stop();
    await nats?.stop();
    throw err;
  }
}

// Full logs go to files; warnings and errors also reach the terminal, one short line each.
function echoProblems(name: string, out: (text: string) => void): (line: string) => void {
  return (line) => {
    if (!line.startsWith('{')) return;
    try {
      const entry = JSON.parse(line) as {
        level?: string;
        msg?: string;
        err?: { message?: string };
      };
      if (entry.level === 'warn' || entry.level === 'error') {
        out(
          `[${name}] ${entry.level}: ${entry.msg ?? ''}${entry.err?.message === undefined ? '' : `: ${entry.err.message}`}`,
        );
      }
    } catch {
      // not one of our JSON lines
    }
  };
}

// Intake first, then the consumer drains what the server published, then the broker.
async function shutdown(stack: Stack): Promise<void> {
  await stack.server.stop();
  await stack.consumer?.stop();
  await stack.nats?.stop();
}
