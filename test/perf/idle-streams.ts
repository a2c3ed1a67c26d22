// Service RSS while one tenant holds many UpsertStreams open and idle (each answered one
// batch, then silent), side by side in one run: caps lifted to their maxima (what an
// uncapped service does) against the default caps (VECTORADMIN_MAX_STREAMS_PER_TENANT 64,
// _PER_CONNECTION 16). Each setting's service runs in its own child process; the parent is the
// client. Prints streams accepted and refused, RSS and heap (after a GC) before and with the
// streams open, and the heap held per open stream.
//
//   node --import tsx test/perf/idle-streams.ts [streams=20000] [connections=80]
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { credentials, Metadata, type StatusObject } from '@grpc/grpc-js';
import { loadConfig } from '../../src/config/index.js';
import { VectorAdminClient, type UpsertAck } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { silentLogger } from '../../src/logging/index.js';
import { startVectorAdmin } from '../../src/main-server.js';
import { seededRandom, wirePoints } from '../helpers/points.js';
import { keysEnv, tenantKey } from '../helpers/vector-admin-stack.js';

const TENANT = 'flooder';
const settings = {
  'caps lifted': {
    VECTORADMIN_MAX_STREAMS_PER_TENANT: '100000',
    VECTORADMIN_MAX_STREAMS_PER_CONNECTION: '10000',
  },
  'default caps': {},
} as const;
type Setting = keyof typeof settings;

const MiB = 1024 * 1024;

interface Memory {
  readonly rss: number;
  readonly heapUsed: number;
}

async function serve(setting: Setting): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'idle-streams-'));
  const config = loadConfig({
    VECTORADMIN_GRPC_ADDR: '127.0.0.1:0',
    VECTORADMIN_DATA_DIR: dataDir,
    VECTORADMIN_EVENTS: 'off',
    ...keysEnv([TENANT]),
    ...settings[setting],
  });
  const service = await startVectorAdmin(config, silentLogger);
  process.on('message', (message) => {
    if (message === 'rss') {
      globalThis.gc?.();
      const { rss, heapUsed } = process.memoryUsage();
      process.send?.({ rss, heapUsed });
    } else if (message === 'stop')
      void service.stop().then(async () => {
        await rm(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
  });
  process.send?.({ port: service.port });
}

function ask<T>(child: ChildProcess, message: string): Promise<T> {
  const reply = once(child, 'message') as Promise<[T]>;
  child.send(message);
  return reply.then(([value]) => value);
}

/**
 * Opens a stream and sends one 1-point batch to a table that does not exist, so the ack (which
 * refuses the batch) proves the stream is open without a store write: resolves 'acked' (then
 * idle) or 'refused' when the stream itself is.
 */
function openIdle(client: VectorAdminClient, seq: number): Promise<'acked' | 'refused'> {
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${tenantKey(TENANT)}`);
  const call = client.upsertStream(metadata);
  call.on('error', () => undefined);
  return new Promise((resolve) => {
    call.once('data', (_ack: UpsertAck) => resolve('acked'));
    call.once('status', (_s: StatusObject) => resolve('refused'));
    call.write({
      tenantId: '',
      table: 'idle',
      seq: BigInt(seq),
      points: wirePoints(seededRandom(seq), 4, seq, 1).points,
    });
  });
}

async function measure(setting: Setting, streams: number, connections: number) {
  const child = fork(fileURLToPath(import.meta.url), ['serve', setting], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
  });
  const [{ port }] = (await once(child, 'message')) as [{ port: number }];
  const address = `127.0.0.1:${port}`;
  const clients = Array.from(
    { length: connections },
    () =>
      new VectorAdminClient(address, credentials.createInsecure(), {
        'grpc.use_local_subchannel_pool': 1,
      }),
  );
  // Warm up the code paths before the baseline.
  await openIdle(clients[0]!, 0);
  const before = await ask<Memory>(child, 'rss');
  const started = performance.now();
  const results = await Promise.all(
    Array.from({ length: streams }, (_, i) => openIdle(clients[i % connections]!, i + 1)),
  );
  const openMs = performance.now() - started;
  const after = await ask<Memory>(child, 'rss');
  for (const client of clients) client.close();
  child.send('stop');
  await once(child, 'exit');
  const acked = results.filter((r) => r === 'acked').length + 1;
  return { acked, refused: streams - acked + 1, before, after, openMs };
}

async function main(): Promise<void> {
  const streams = Number(process.argv[2] ?? 20_000);
  const connections = Number(process.argv[3] ?? 80);
  console.log(
    `${streams} streams of one tenant over ${connections} connections, each answered once`,
  );
  for (const setting of Object.keys(settings) as Setting[]) {
    const r = await measure(setting, streams, connections);
    const mib = (bytes: number) => (bytes / MiB).toFixed(0);
    const heldKiB = (r.after.heapUsed - r.before.heapUsed) / 1024 / r.acked;
    console.log(
      `${setting.padEnd(13)} open ${String(r.acked).padStart(6)}  refused ${String(r.refused).padStart(6)}  ` +
        `RSS ${mib(r.before.rss)} -> ${mib(r.after.rss)} MiB  heap ${mib(r.before.heapUsed)} -> ${mib(r.after.heapUsed)} MiB ` +
        `(${heldKiB.toFixed(1)} KiB heap per open stream)  ${(r.openMs / 1000).toFixed(1)} s`,
    );
  }
}

if (process.argv[2] === 'serve') await serve(process.argv[3] as Setting);
else await main();
