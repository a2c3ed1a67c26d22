import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, test } from 'node:test';
import { createTelemetry, runConsumer } from '../../src/consumer/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { REPO_ROOT, loadComposeFile } from '../helpers/compose-file.js';
import { startConsumerFixture } from '../helpers/consumer-stack.js';
import { createTestPki } from '../helpers/test-certificates.js';
import { startTestStack } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

// docker-compose.yml's health probes, run here the way Docker would run them in the container
// (same argv after Compose interpolation, the container's environment, /app = the repo root
// with its node_modules), with only the addresses pointed at this test's ephemeral ports.

// Longer than the probes' own 4 s deadlines.
const PROBE_TIMEOUT_MS = 10_000;

const compose = loadComposeFile();

function probe(service: string): string[] {
  const test = compose.services[service]?.healthcheck?.test ?? [];
  assert.equal(test[0], 'CMD', `${service}: exec-form healthcheck`);
  return test.slice(1);
}

/** Runs a probe; resolves to its exit code. */
function runProbe(argv: readonly string[], env: Record<string, string>): Promise<number> {
  const [file = '', ...args] = argv;
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      {
        cwd: fileURLToPath(REPO_ROOT),
        env: { PATH: process.env.PATH ?? '', ...env },
        timeout: PROBE_TIMEOUT_MS,
      },
      (err) => resolve(err === null ? 0 : typeof err.code === 'number' ? err.code : -1),
    );
  });
}

/** Waits for a probe to pass: health turns SERVING after the first store check, as in Docker. */
async function probePasses(service: string, env: Record<string, string>): Promise<void> {
  await waitFor(async () => (await runProbe(probe(service), env)) === 0, {
    timeoutMs: PROBE_TIMEOUT_MS,
    reason: `the ${service} health probe to pass`,
  });
}

function serviceEnv(service: string, overrides: Record<string, string>): Record<string, string> {
  return { ...compose.services[service]?.environment, ...overrides };
}

describe('compose healthchecks', () => {
  test('compose healthcheck - vectoradmin probe passes while serving and fails once stopped', async () => {
    await using stack = await startTestStack({ tenants: ['probe'] });
    const env = serviceEnv('vectoradmin', { VECTORADMIN_GRPC_ADDR: stack.address });
    await probePasses('vectoradmin', env);
    await stack.stop();
    assert.notEqual(await runProbe(probe('vectoradmin'), env), 0);
  });

  test('compose healthcheck - vectoradmin probe passes under TLS and mutual TLS', async () => {
    await using pki = await createTestPki();
    const tls = {
      VECTORADMIN_TLS_CERT: pki.server.certFile,
      VECTORADMIN_TLS_KEY: pki.server.keyFile,
    };
    const mutual = { ...tls, VECTORADMIN_TLS_CA: pki.ca.certFile };
    await using tlsStack = await startTestStack({ tenants: ['probe'], env: tls });
    await using mutualStack = await startTestStack({ tenants: ['probe'], env: mutual });
    await probePasses(
      'vectoradmin',
      serviceEnv('vectoradmin', { ...tls, VECTORADMIN_GRPC_ADDR: tlsStack.address }),
    );
    await probePasses(
      'vectoradmin',
      serviceEnv('vectoradmin', { ...mutual, VECTORADMIN_GRPC_ADDR: mutualStack.address }),
    );
    assert.notEqual(
      await runProbe(
        probe('vectoradmin'),
        serviceEnv('vectoradmin', { ...tls, VECTORADMIN_GRPC_ADDR: mutualStack.address }),
      ),
      0,
      'a probe without a client certificate is refused by a server that demands one',
    );
  });

  test('compose healthcheck - consumer probe passes once the metrics endpoint serves', async () => {
    await using fx = await startConsumerFixture('compose probe');
    // The container's token, so the probe passes only by presenting it.
    const token = serviceEnv('consumer', {}).VECTORADMIN_HTTP_TOKEN ?? '';
    const handle = await runConsumer(fx.config({ VECTORADMIN_HTTP_TOKEN: token }), silentLogger, {
      telemetry: createTelemetry([]),
    });
    const env = serviceEnv('consumer', {
      VECTORADMIN_PROMETHEUS_ADDR: `127.0.0.1:${handle.prometheusPort}`,
    });
    assert.notEqual(
      await runProbe(probe('consumer'), { ...env, VECTORADMIN_HTTP_TOKEN: 'wrong-token-0000000' }),
      0,
      'a probe with the wrong token is refused',
    );
    try {
      assert.equal(await runProbe(probe('consumer'), env), 0);
    } finally {
      await handle.stop();
    }
    assert.notEqual(await runProbe(probe('consumer'), env), 0);
  });

  test('compose healthcheck - qdrant probe passes on a 200 from /readyz only', async () => {
    // Qdrant cannot run here: a stand-in answers /readyz with the status the test sets.
    let answer = 200;
    const paths: string[] = [];
    const server: Server = createServer((req: IncomingMessage, res) => {
      paths.push(req.url ?? '');
      res.writeHead(req.url === '/readyz' ? answer : 404).end('all shards are ready');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const argv = probe('qdrant').map((a) =>
        a.replace('/dev/tcp/127.0.0.1/6333', `/dev/tcp/127.0.0.1/${port}`),
      );
      assert.notDeepEqual(argv, probe('qdrant'), 'the probe targets 127.0.0.1:6333');
      assert.equal(await runProbe(argv, {}), 0);
      assert.deepEqual(paths, ['/readyz']);
      answer = 503;
      assert.notEqual(await runProbe(argv, {}), 0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const nothingListening = probe('qdrant').map((a) =>
      a.replace('/dev/tcp/127.0.0.1/6333', `/dev/tcp/127.0.0.1/${port}`),
    );
    assert.notEqual(await runProbe(nothingListening, {}), 0);
  });
});
