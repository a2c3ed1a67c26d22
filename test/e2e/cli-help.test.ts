import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { connect } from 'nats';
import { BUILT_CLI, builtCli } from '../helpers/built-output.js';
import { NatsServer } from '../helpers/nats-server.js';

// Issue 13, item 2: --help prints and does nothing else; mistakes name the nearest valid word.
// Runs the built CLI, what `npm start` and the image run.

const run = promisify(execFile);

// Each test runs its own CLI processes and writes nothing, so they run side by side.
describe('cli help', { concurrency: 4 }, () => {
  let nats: NatsServer;
  let dataDir: string;
  const cli = async (args: string[], where?: { dataDir: string; natsUrl: string }) => {
    const dir = where?.dataDir ?? dataDir;
    try {
      const { stdout, stderr } = await run(process.execPath, [BUILT_CLI, ...args], {
        cwd: dir,
        timeout: 30_000,
        env: {
          ...process.env,
          NATS_URL: where?.natsUrl ?? nats.url,
          VECTORADMIN_DATA_DIR: dir,
        },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
  before(async () => {
    await builtCli();
    nats = await NatsServer.start();
    dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-cli-help-'));
  });
  after(async () => {
    await nats[Symbol.asyncDispose]();
    await rm(dataDir, { recursive: true, force: true });
  });

  const helps: [string[], RegExp[]][] = [
    [['--help'], [/start/, /points/, /search/]],
    [
      ['start', '--help'],
      [/VECTORADMIN_DATA_DIR/, /NATS_URL/],
    ],
    [['serve', '--help'], [/VECTORADMIN_GRPC_ADDR/]],
    [
      ['consume', '--help'],
      [/--replay/, /VECTORADMIN_CONSUMER_NAME/],
    ],
    [
      ['collections', 'create', '--help'],
      [/--table/, /--distance/, /VECTORADMIN_API_KEY/],
    ],
    [
      ['points', 'delete', '--help'],
      [/--ids/, /--filter/],
    ],
    [
      ['points', 'get', '--help'],
      [/--id <value>/, /--with-vectors/, /VECTORADMIN_API_KEY/],
    ],
    [
      ['ingest', '--help'],
      [/--batch-size/, /<file>/],
    ],
    [
      ['search', '--help'],
      [/--vector/, /--limit/],
    ],
    [['bench', '--help'], [/--quick/]],
    [
      ['probe', 'run', '--help'],
      [/--json/, /admin key/, /VECTORADMIN_API_KEY/],
    ],
    [
      ['admin', 'collections', '--help'],
      [/--sort/, /--page-size/, /--page-token/, /--json/, /VECTORADMIN_API_KEY/],
    ],
    [
      ['tenants', 'provision', '--help'],
      [/--tenant/, /--json/, /VECTORADMIN_API_KEY/],
    ],
    [
      ['tenants', 'describe', '--help'],
      [/--tenant/, /--json/],
    ],
    [
      ['tenants', 'deprovision', '--help'],
      [/admin key/, /--json/],
    ],
    [
      ['tables', 'list', '--help'],
      [/profiles/, /--json/],
    ],
  ];
  for (const [args, expected] of helps) {
    test(`cli help - ${args.join(' ')} prints its flags and exits 0`, async () => {
      const result = await cli(args);
      assert.equal(result.code, 0, result.stderr);
      for (const pattern of expected) assert.match(result.stdout, pattern);
    });
  }

  test('cli help - help for start, serve and consume created nothing on NATS or disk', async () => {
    // A NATS server and data dir of its own: the other tests run their commands meanwhile.
    await using own = await NatsServer.start();
    const ownDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-cli-help-own-'));
    try {
      for (const args of [
        ['start', '--help'],
        ['serve', '--help'],
        ['consume', '--help'],
      ])
        assert.equal((await cli(args, { dataDir: ownDir, natsUrl: own.url })).code, 0);
      const nc = await connect({ servers: own.url });
      try {
        const jsm = await nc.jetstreamManager();
        const streams = await jsm.streams.names().next();
        assert.deepEqual(streams, [], 'no stream (and so no KV bucket or durable consumer)');
      } finally {
        await nc.close();
      }
      assert.deepEqual(await readdir(ownDir), [], 'nothing written to the data dir');
    } finally {
      await rm(ownDir, { recursive: true, force: true });
    }
  });

  test('cli help - an unknown command or flag names the nearest valid one, exit 2', async () => {
    const command = await cli(['serach']);
    assert.equal(command.code, 2);
    assert.match(command.stderr, /Did you mean search\?/);
    const flag = await cli(['search', '--limt', '3']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /Did you mean --limit\?/);
    const sub = await cli(['collections', 'lst']);
    assert.equal(sub.code, 2);
    assert.match(sub.stderr, /Did you mean list\?/);
  });

  test('cli help - a reader that closes early (| head) ends the command quietly, exit 0', async () => {
    const child = spawn(process.execPath, [BUILT_CLI, 'search', '--help'], {
      cwd: dataDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
