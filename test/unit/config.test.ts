import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { embeddedStoreEnv } from '../../src/config/child-env.js';
import { embeddedStoreOptions } from '../../src/main-server.js';

test('config - defaults give an embedded store on 127.0.0.1:50051', () => {
  const config = loadConfig({});
  assert.equal(config.grpc.address, '127.0.0.1:50051');
  assert.equal(config.store.kind, 'embedded');
  assert.equal(config.collections.prefix, 'client_');
  assert.equal(config.collections.defaultVectorSize, 1536);
  assert.equal(config.events.enabled, true);
  assert.ok(Object.isFrozen(config.grpc));
});

test('config - qdrant from host and port, timeout in seconds', () => {
  const config = loadConfig({
    VECTORADMIN_STORE: 'qdrant',
    QDRANT_HOST: 'q1',
    QDRANT_PORT: '7000',
    QDRANT_TIMEOUT: '2.5',
  });
  assert.deepEqual(config.store, {
    kind: 'qdrant',
    url: 'http://q1:7000',
    timeoutMs: 2500,
    writeOrdering: 'weak',
    grpcPort: 6334,
    transport: 'auto',
  });
});

test('config - qdrant transport and gRPC port', () => {
  const config = loadConfig({
    VECTORADMIN_STORE: 'qdrant',
    QDRANT_GRPC_PORT: '7334',
    QDRANT_TRANSPORT: 'rest',
  });
  assert.equal(config.store.kind === 'qdrant' && config.store.grpcPort, 7334);
  assert.equal(config.store.kind === 'qdrant' && config.store.transport, 'rest');
  assert.throws(
    () => loadConfig({ VECTORADMIN_STORE: 'qdrant', QDRANT_TRANSPORT: 'http' }),
    /QDRANT_TRANSPORT/,
  );
});

test('config - embedded index: builders unset leave the store one per core, a count bounds them; index work waits at most 10 minutes by default', () => {
  const index = (env: Record<string, string>) => {
    const store = loadConfig(env).store;
    return store.kind === 'embedded' ? store.index : undefined;
  };
  assert.equal(index({})?.maxBuilderProcesses, undefined);
  assert.equal(index({ VECTORADMIN_EMBEDDED_INDEX_BUILDERS: '1' })?.maxBuilderProcesses, 1);
  assert.throws(
    () => loadConfig({ VECTORADMIN_EMBEDDED_INDEX_BUILDERS: '0' }),
    /VECTORADMIN_EMBEDDED_INDEX_BUILDERS/,
  );
  assert.equal(index({})?.maxDeferMs, 600_000);
  assert.equal(index({ VECTORADMIN_EMBEDDED_INDEX_MAX_DEFER_MS: '0' })?.maxDeferMs, 0);
});

test('config - embedded searches at once: unset leaves the store its default, a count reaches the store and a child service', () => {
  const store = (env: Record<string, string>) => {
    const config = loadConfig(env);
    assert.equal(config.store.kind, 'embedded');
    return config.store.kind === 'embedded' ? config.store : assert.fail('embedded store');
  };
  assert.equal(embeddedStoreOptions(store({})).maxConcurrentSearches, undefined);
  const six = { VECTORADMIN_EMBEDDED_MAX_SEARCHES: '6' };
  assert.equal(embeddedStoreOptions(store(six)).maxConcurrentSearches, 6);
  assert.equal(embeddedStoreEnv(loadConfig(six))['VECTORADMIN_EMBEDDED_MAX_SEARCHES'], '6');
  assert.equal(embeddedStoreEnv(loadConfig({}))['VECTORADMIN_EMBEDDED_MAX_SEARCHES'], undefined);
  assert.throws(
    () => loadConfig({ VECTORADMIN_EMBEDDED_MAX_SEARCHES: '0' }),
    /VECTORADMIN_EMBEDDED_MAX_SEARCHES/,
  );
});

test('config - every problem is reported at once', () => {
  assert.throws(
    () =>
      loadConfig({
        VECTORADMIN_STORE: 'mongo',
        QDRANT_PORT: 'x',
        VECTORADMIN_GRPC_ADDR: 'nope',
        VECTORADMIN_API_KEYS: 'acme',
      }),
    (err) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['VECTORADMIN_STORE', 'QDRANT_PORT', 'VECTORADMIN_GRPC_ADDR']) {
        assert.ok(
          err.problems.some((p) => p.startsWith(name)),
          `${name} in ${err.problems.join('; ')}`,
        );
      }
      return true;
    },
  );
});

test('config - tenant keys parse and duplicates are refused', () => {
  const config = loadConfig({
    VECTORADMIN_API_KEYS: 'acme:0123456789abcdef0, beta:fedcba98765432100',
  });
  assert.equal(config.auth.tenantKeys.get('acme'), '0123456789abcdef0');
  assert.equal(config.auth.tenantKeys.size, 2);
  assert.throws(
    () => loadConfig({ VECTORADMIN_API_KEYS: 'a:0123456789abcdef0,a:0123456789abcdef1' }),
    ConfigError,
  );
  assert.throws(() => loadConfig({ VECTORADMIN_API_KEYS: 'acme:short' }), ConfigError);
  // One key, one principal.
  assert.throws(
    () => loadConfig({ VECTORADMIN_API_KEYS: 'a:0123456789abcdef0,b:0123456789abcdef0' }),
    /tenants "a" and "b" have the same key/,
  );
  assert.throws(
    () =>
      loadConfig({
        VECTORADMIN_API_KEYS: 'a:0123456789abcdef0',
        VECTORADMIN_ADMIN_KEY: '0123456789abcdef0',
      }),
    /tenant "a" has the admin key/,
  );
});

test('config - events can be switched off explicitly', () => {
  assert.equal(loadConfig({ VECTORADMIN_EVENTS: 'off' }).events.enabled, false);
});

test('config - the performance probe: off without a tenant, bounded, scheduling needs the tenant', () => {
  assert.equal(loadConfig({}).probe, undefined);
  const probe = loadConfig({
    PERFORMANCE_TEST_TENANT_ID: 'ops-probe',
    PERFORMANCE_TEST_ENABLED: 'true',
  }).probe;
  assert.deepEqual(probe, {
    tenantId: 'ops-probe',
    scheduled: true,
    intervalMs: 60_000,
    points: 300,
    vectorSize: 128,
    timeoutMs: 30_000,
  });
  assert.throws(
    () =>
      loadConfig({
        PERFORMANCE_TEST_POINTS: '1000000',
        PERFORMANCE_TEST_VECTOR_SIZE: '1',
      }),
    (err) => {
      assert.ok(err instanceof ConfigError);
      for (const name of ['PERFORMANCE_TEST_POINTS', 'PERFORMANCE_TEST_VECTOR_SIZE']) {
        assert.ok(
          err.problems.some((p) => p.startsWith(name)),
          `${name} in ${err.problems.join('; ')}`,
        );
      }
      return true;
    },
  );
  assert.throws(() => loadConfig({ PERFORMANCE_TEST_ENABLED: 'on' }), /PERFORMANCE_TEST_ENABLED/);
  assert.throws(
    () => loadConfig({ PERFORMANCE_TEST_TENANT_ID: 'Bad_Tenant' }),
    /PERFORMANCE_TEST_TENANT_ID/,
  );
});
