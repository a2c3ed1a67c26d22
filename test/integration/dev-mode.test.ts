import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { startVectorAdmin } from '../../src/main-server.js';

test('dev mode - without keys the service listens on literal loopback addresses only', async () => {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-devmode-'));
  try {
    // Names that merely look like loopback resolve wherever their owner points them.
    for (const host of ['127.attacker.example', '0.0.0.0', '[::]', '10.0.0.1']) {
      const config = loadConfig({
        VECTORADMIN_GRPC_ADDR: `${host}:0`,
        VECTORADMIN_DATA_DIR: dataDir,
        VECTORADMIN_EVENTS: 'off',
      });
      await assert.rejects(
        startVectorAdmin(config, silentLogger),
        (err: unknown) => err instanceof ConfigError && /must be loopback/.test(err.message),
        host,
      );
    }
    const service = await startVectorAdmin(
      loadConfig({
        VECTORADMIN_GRPC_ADDR: '127.0.0.1:0',
        VECTORADMIN_DATA_DIR: dataDir,
        VECTORADMIN_EVENTS: 'off',
      }),
      silentLogger,
    );
    assert.ok(service.port > 0);
    await service.stop();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
