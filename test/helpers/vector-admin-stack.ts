import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  connect,
  vectorAdminApi,
  type Connection,
  type VectorAdminApi,
} from '../../src/client/index.js';
import { loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { startVectorAdmin, type VectorAdminProcess } from '../../src/main-server.js';

export const ADMIN_KEY = 'admin-key-0123456789abcdef';

/** A tenant's key in test stacks: derived from its id so tests need no lookup table. */
export function tenantKey(tenantId: string): string {
  return `key-${tenantId}-0123456789`;
}

/** The environment that gives each tenant its test key, plus the admin key. */
export function keysEnv(tenants: readonly string[]): Record<string, string> {
  return {
    VECTORADMIN_API_KEYS: tenants.map((t) => `${t}:${tenantKey(t)}`).join(','),
    VECTORADMIN_ADMIN_KEY: ADMIN_KEY,
  };
}

export interface TestStackOptions {
  /** Tenants that get keys; none (and no admin key) means dev mode. */
  readonly tenants?: readonly string[];
  /** NATS URL for events; events are off without one. */
  readonly natsUrl?: string;
  /** Extra environment, e.g. limits. */
  readonly env?: Record<string, string>;
  /** Reuse a data dir (restart tests); a fresh temp dir otherwise, removed on dispose. */
  readonly dataDir?: string;
}

/** A VectorAdmin service on an ephemeral loopback port with an embedded store in a temp dir. */
export interface TestStack {
  readonly address: string;
  readonly dataDir: string;
  readonly service: VectorAdminProcess;
  /** A promise API acting with `key` (the admin key by default). */
  api(key?: string): VectorAdminApi;
  connection(key?: string): Connection;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a service through the same config and wiring as production. */
export async function startTestStack(options: TestStackOptions = {}): Promise<TestStack> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'vectoradmin-test-')));
  const tenants = options.tenants ?? [];
  const config = loadConfig({
    VECTORADMIN_GRPC_ADDR: '127.0.0.1:0',
    VECTORADMIN_DATA_DIR: dataDir,
    ...(tenants.length > 0 ? keysEnv(tenants) : {}),
    VECTORADMIN_EVENTS: options.natsUrl === undefined ? 'off' : 'on',
    ...(options.natsUrl === undefined ? {} : { NATS_URL: options.natsUrl }),
    VECTORADMIN_SHUTDOWN_TIMEOUT_MS: '2000',
    ...options.env,
  });
  const service = await startVectorAdmin(config, silentLogger);
  const address = `127.0.0.1:${service.port}`;
  const connections: Connection[] = [];
  let stopped = false;
  const connection = (key: string | undefined = tenants.length > 0 ? ADMIN_KEY : undefined) => {
    const c = connect({ address, ...(key === undefined ? {} : { apiKey: key }) });
    connections.push(c);
    return c;
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    for (const c of connections) c.close();
    await service.stop();
  };
  return {
    address,
    dataDir,
    service,
    connection,
    api: (key) => vectorAdminApi(connection(key)),
    stop,
    [Symbol.asyncDispose]: async () => {
      await stop();
      if (options.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** A unique, valid tenant or table name for a test. */
export function uniqueName(base: string): string {
  const clean =
    base
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 40) || 't';
  return `${clean}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A unique table name (tables use "_" where tenants use "-"). */
export function uniqueTable(base: string): string {
  return `t_${uniqueName(base).replace(/-/g, '_')}`;
}
