import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { before, describe, test } from 'node:test';
import { envSchema, loadConfig } from '../../src/config/index.js';
import {
  InterpolationError,
  REPO_ROOT,
  durationMs,
  interpolate,
  loadComposeFile,
  namedVolumeMounts,
  portMappings,
  splitHostPort,
  type ComposeFile,
  type ComposeService,
} from '../helpers/compose-file.js';
import { argsOf, envOf, execForm, loadDockerfile } from '../helpers/dockerfile.js';

// The compose file is not run here (no Docker engine on the build machines): these tests check
// it against the config schema, the Dockerfile and itself.

const SERVICES = ['qdrant', 'nats', 'jaeger', 'vectoradmin', 'consumer'] as const;
const OUR_SERVICES = ['vectoradmin', 'consumer'] as const;
const OUR_PREFIX = /^(VECTORADMIN|QDRANT|NATS)_/;
/** What a user's `.env` might hold: two tenants and their own admin key. */
const DOT_ENV = {
  VECTORADMIN_API_KEYS: 'tenant-a:aaaaaaaaaaaaaaaa1,tenant-b:bbbbbbbbbbbbbbbb2',
  VECTORADMIN_ADMIN_KEY: 'a-real-admin-key-0123456789',
};

const dockerfile = loadDockerfile();
const runtime = dockerfile.stages.at(-1)!;

function service(compose: ComposeFile, name: string): ComposeService {
  const s = compose.services[name];
  assert.ok(s, `service ${name} is missing`);
  return s;
}

/** The environment the container sees: the image's ENV, then the service's environment. */
function containerEnv(compose: ComposeFile, name: string): Record<string, string> {
  return { ...Object.fromEntries(envOf(runtime)), ...service(compose, name).environment };
}

function listensOn(compose: ComposeFile, name: string, port: number): boolean {
  return portMappings(service(compose, name)).some((p) => p.containerPort === port);
}

describe('docker-compose', () => {
  // In a hook so a file that does not parse or fit the schema fails every test with the reason.
  let compose: ComposeFile;
  before(() => {
    compose = loadComposeFile();
  });

  test('docker-compose - declares the five services, each built or pinned to a version', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), [...SERVICES].sort());
    for (const [name, s] of Object.entries(compose.services)) {
      assert.ok(s.build !== undefined || !/:latest$|^[^:]+$/.test(s.image), `${name}: pin a tag`);
    }
    for (const name of OUR_SERVICES) {
      assert.deepEqual(service(compose, name).build, { context: '.', dockerfile: 'Dockerfile' });
    }
  });

  test('docker-compose - every VECTORADMIN_, QDRANT_ and NATS_ variable is in the config schema', () => {
    const known = new Set(Object.keys(envSchema.shape));
    for (const name of OUR_SERVICES) {
      for (const key of Object.keys(containerEnv(compose, name)).filter((k) =>
        OUR_PREFIX.test(k),
      )) {
        assert.ok(known.has(key), `${name}: ${key} is not in src/config/schema.ts`);
      }
    }
  });

  test('docker-compose - the service and consumer environments pass loadConfig', () => {
    for (const env of [{}, DOT_ENV]) {
      const withEnv = loadComposeFile(env);
      const server = loadConfig(containerEnv(withEnv, 'vectoradmin'));
      assert.equal(server.store.kind, 'qdrant');
      assert.equal(server.events.enabled, true);
      const consumer = loadConfig(containerEnv(withEnv, 'consumer'));
      assert.equal(consumer.events.enabled, true);
    }
    const keys = loadConfig(containerEnv(loadComposeFile(DOT_ENV), 'vectoradmin')).auth;
    assert.deepEqual([...keys.tenantKeys.keys()], ['tenant-a', 'tenant-b'], '.env keys win');
    assert.equal(keys.adminKey, DOT_ENV.VECTORADMIN_ADMIN_KEY);
  });

  test('docker-compose - a gRPC bind off loopback comes with API keys', () => {
    const config = loadConfig(containerEnv(compose, 'vectoradmin'));
    const { host } = splitHostPort(config.grpc.address);
    assert.equal(host, '0.0.0.0', 'other containers and the host must reach the service');
    // main-server refuses dev mode (no keys) off loopback.
    assert.ok(config.auth.tenantKeys.size > 0 || config.auth.adminKey !== undefined);
  });

  test('docker-compose - addresses in the environment name services on ports they listen on', () => {
    for (const name of OUR_SERVICES) {
      const config = loadConfig(containerEnv(compose, name));
      assert.ok(config.events.enabled);
      for (const server of config.events.natsUrl.split(',')) {
        const url = new URL(server.trim());
        assert.equal(url.hostname, 'nats', `${name}: NATS_URL`);
        assert.ok(listensOn(compose, 'nats', Number(url.port)), `${name}: nats port ${url.port}`);
      }
    }
    const server = loadConfig(containerEnv(compose, 'vectoradmin'));
    assert.equal(server.store.kind, 'qdrant');
    const qdrant = new URL(server.store.kind === 'qdrant' ? server.store.url : '');
    assert.equal(qdrant.hostname, 'qdrant');
    assert.ok(listensOn(compose, 'qdrant', Number(qdrant.port)), 'QDRANT_URL port');
    const otlp = new URL(
      service(compose, 'consumer').environment?.OTEL_EXPORTER_OTLP_ENDPOINT ?? '',
    );
    assert.equal(otlp.hostname, 'jaeger');
    assert.ok(listensOn(compose, 'jaeger', Number(otlp.port)), 'OTLP endpoint port');
  });

  test("docker-compose - the consumer's collections page calls the service with its admin key", () => {
    for (const env of [{}, DOT_ENV]) {
      const withEnv = loadComposeFile(env);
      const server = loadConfig(containerEnv(withEnv, 'vectoradmin'));
      const consumer = loadConfig(containerEnv(withEnv, 'consumer'));
      const { host, port } = splitHostPort(consumer.grpc.address);
      assert.equal(host, 'vectoradmin', 'VECTORADMIN_GRPC_ADDR names the service');
      assert.equal(port, splitHostPort(server.grpc.address).port, 'on the port it listens on');
      assert.ok(listensOn(withEnv, 'vectoradmin', port));
      assert.equal(consumer.auth.adminKey, server.auth.adminKey, 'the same admin key');
    }
  });

  test('docker-compose - our listen addresses are published and exposed by the image', () => {
    const exposed = argsOf(runtime, 'EXPOSE')
      .flatMap((a) => a.split(/\s+/))
      .map(Number);
    const server = loadConfig(containerEnv(compose, 'vectoradmin'));
    const consumer = loadConfig(containerEnv(compose, 'consumer')).consumer;
    const wanted: [string, string][] = [
      ['vectoradmin', server.grpc.address],
      ['consumer', consumer.dashboardAddress],
      ['consumer', consumer.prometheusAddress],
    ];
    for (const [name, address] of wanted) {
      const { host, port } = splitHostPort(address);
      assert.equal(host, '0.0.0.0', `${name} must listen on all interfaces: ${address}`);
      assert.ok(listensOn(compose, name, port), `${name} publishes ${port}`);
      assert.ok(exposed.includes(port), `the Dockerfile exposes ${port}`);
    }
  });

  test('docker-compose - published ports bind to loopback only', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      for (const p of portMappings(s)) {
        assert.equal(
          p.hostIp,
          '127.0.0.1',
          `${name}: ${p.containerPort} is published beyond loopback`,
        );
      }
    }
  });

  test('docker-compose - every service has a healthcheck and dependants wait for it', () => {
    for (const [name, s] of Object.entries(compose.services)) {
      assert.ok(s.healthcheck, `${name} has no healthcheck`);
      assert.match(s.healthcheck.test[0] ?? '', /^CMD(-SHELL)?$/, `${name}: healthcheck form`);
      for (const [dependency, { condition }] of Object.entries(s.depends_on ?? {})) {
        assert.ok(compose.services[dependency], `${name} depends on unknown ${dependency}`);
        assert.equal(condition, 'service_healthy', `${name} -> ${dependency}`);
      }
    }
    assert.deepEqual(Object.keys(service(compose, 'vectoradmin').depends_on ?? {}).sort(), [
      'nats',
      'qdrant',
    ]);
    assert.deepEqual(Object.keys(service(compose, 'consumer').depends_on ?? {}).sort(), [
      'jaeger',
      'nats',
    ]);
  });

  test('docker-compose - health probes ask the ports the services listen on', () => {
    const probe = (name: string) => service(compose, name).healthcheck?.test.join(' ') ?? '';
    assert.match(probe('qdrant'), /\/dev\/tcp\/127\.0\.0\.1\/6333\b[\s\S]*GET \/readyz /);
    assert.ok(listensOn(compose, 'qdrant', 6333));
    const nats = service(compose, 'nats').command ?? [];
    const monitor = Number(nats[nats.indexOf('-m') + 1]);
    assert.ok(
      nats.includes('-m') && listensOn(compose, 'nats', monitor),
      'nats -m port is published',
    );
    assert.ok(probe('nats').includes(`http://127.0.0.1:${monitor}/healthz`));
    assert.match(probe('jaeger'), /http:\/\/127\.0\.0\.1:13133\/status/);
  });

  test('docker-compose - stateful services keep their data in declared named volumes', () => {
    const declared = new Set(Object.keys(compose.volumes ?? {}));
    const mounts = (name: string) => namedVolumeMounts(service(compose, name));
    for (const name of SERVICES) {
      for (const m of mounts(name))
        assert.ok(declared.has(m.volume), `${name}: ${m.volume} undeclared`);
    }
    assert.ok(mounts('qdrant').some((m) => m.target === '/qdrant/storage'));
    const nats = service(compose, 'nats').command ?? [];
    assert.ok(nats.includes('-js'), 'JetStream is enabled');
    const storeDir = nats[nats.indexOf('-sd') + 1];
    assert.ok(nats.includes('-sd') && mounts('nats').some((m) => m.target === storeDir));
    for (const name of OUR_SERVICES) {
      const dataDir = loadConfig(containerEnv(compose, name)).dataDir;
      assert.ok(
        mounts(name).some((m) => m.target === dataDir),
        `${name}: ${dataDir} is a volume`,
      );
    }
    const volumes = new Set(SERVICES.flatMap((name) => mounts(name).map((m) => m.volume)));
    assert.equal(volumes.size, declared.size, 'service volumes are not shared between services');
  });

  test('docker-compose - stop grace periods outlast the shutdown timeout and outbox flush', () => {
    const config = loadConfig(containerEnv(compose, 'vectoradmin'));
    const outboxFlushMs = 5000; // NatsEventBus flushTimeoutMs default
    for (const name of OUR_SERVICES) {
      const grace = durationMs(service(compose, name).stop_grace_period ?? '10s');
      assert.ok(grace > config.shutdownTimeoutMs + outboxFlushMs, `${name}: ${grace} ms`);
    }
  });
});

test('compose interpolation - defaults, required values and $$ behave as in Docker Compose', () => {
  const env = { SET: 'x', EMPTY: '' };
  assert.equal(
    interpolate('${SET:-d} ${EMPTY:-d} ${UNSET:-d} ${EMPTY-d} ${UNSET-d}', env),
    'x d d  d',
  );
  assert.equal(interpolate('$SET/${SET}/${UNSET}', env), 'x/x/');
  assert.equal(interpolate('${SET:+alt}|${EMPTY:+alt}|${EMPTY+alt}', env), 'alt||alt');
  assert.equal(interpolate('[[ "$$line" == 1 ]]', env), '[[ "$line" == 1 ]]');
  assert.throws(() => interpolate('${EMPTY:?set it}', env), InterpolationError);
  assert.throws(() => interpolate('${UNSET?set it}', env), InterpolationError);
  assert.throws(() => interpolate('a $ b', env), InterpolationError);
});

describe('dockerfile', () => {
  test('dockerfile - builds in one stage and runs slim in another as a non-root user', () => {
    const [build, last] = [dockerfile.stages[0]!, runtime];
    assert.ok(dockerfile.stages.length >= 2, 'multi-stage');
    assert.equal(dockerfile.globalArgs.get('NODE_IMAGE'), 'node:20-bookworm-slim');
    assert.equal(last.from, '${NODE_IMAGE}');
    assert.ok(argsOf(build, 'RUN').some((r) => r.includes('npm ci')));
    assert.ok(
      argsOf(build, 'RUN').some(
        (r) => r.includes('npm run build') && r.includes('npm prune --omit=dev'),
      ),
    );
    assert.equal(
      argsOf(last, 'RUN').join(' ').includes('npm'),
      false,
      'nothing is installed at run time',
    );
    const user = argsOf(last, 'USER').at(-1);
    assert.ok(user !== undefined && !/^(root|0)(:|$)/.test(user), `runs as ${user ?? 'root'}`);
  });

  test('dockerfile - the runtime stage has what the service loads at run time', () => {
    const copied = argsOf(runtime, 'COPY').map((a) => a.split(/\s+/).at(-1));
    for (const target of ['./dist', './node_modules', './proto', './package.json']) {
      assert.ok(copied.includes(target), `runtime copies ${target}`);
    }
    const dataDir = envOf(runtime).get('VECTORADMIN_DATA_DIR') ?? '';
    assert.ok(dataDir.startsWith('/'), 'an absolute data dir');
    assert.ok(
      argsOf(runtime, 'RUN').some(
        (r) => r.includes(`mkdir -p ${dataDir}`) && r.includes(`chown node:node ${dataDir}`),
      ),
      'the data dir exists and belongs to the service user, so a fresh volume does too',
    );
  });

  test('dockerfile - entrypoints exist as sources', () => {
    const entrypoint = execForm(argsOf(runtime, 'ENTRYPOINT').at(-1) ?? '[]');
    assert.deepEqual(entrypoint, ['node', 'dist/cli/main.js']);
    assert.deepEqual(execForm(argsOf(runtime, 'CMD').at(-1) ?? '[]'), ['serve']);
    const consumer = loadComposeFile().services.consumer?.entrypoint ?? [];
    for (const script of [entrypoint[1], consumer[1]]) {
      const source = script?.replace(/^dist\//, 'src/').replace(/\.js$/, '.ts') ?? '';
      assert.ok(existsSync(new URL(source, REPO_ROOT)), `${script} compiles from ${source}`);
    }
  });

  test('dockerignore - keeps outputs and secrets out of the build context, sources in', () => {
    const ignored = readFileSync(new URL('.dockerignore', REPO_ROOT), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const entry of ['node_modules', 'dist', 'src/gen', '.env', '.git', 'data']) {
      assert.ok(ignored.includes(entry), `.dockerignore lists ${entry}`);
    }
    const build = dockerfile.stages[0]!;
    const sources = argsOf(build, 'COPY').flatMap((a) => a.split(/\s+/).slice(0, -1));
    for (const source of sources) {
      assert.ok(!ignored.includes(source), `${source} is copied but ignored`);
      assert.ok(existsSync(new URL(source, REPO_ROOT)), `${source} exists`);
    }
  });
});
