import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { test } from 'node:test';
import { connect, streamUpserts } from '../../src/client/index.js';
import { createTelemetry, runConsumer } from '../../src/consumer/index.js';
import { Distance } from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { silentLogger } from '../../src/logging/index.js';
import { startConsumerFixture, TEST_STREAM } from '../helpers/consumer-stack.js';
import { numberedBatches } from '../helpers/fault-ledger.js';
import { ServiceProcess, freePort, serviceDataDir } from '../helpers/fault-service-process.js';
import { keysEnv, tenantKey, uniqueName, uniqueTable } from '../helpers/vector-admin-stack.js';
import { waitFor } from '../helpers/wait-for.js';

test('consumer - a service killed mid-stream and started again: its stream is ended, not open for ever', async () => {
  await using fx = await startConsumerFixture('service restart');
  const tenant = uniqueName('restart');
  const dataDir = await serviceDataDir('consumer-restart-');
  const handle = await runConsumer(fx.config(), silentLogger, {
    telemetry: createTelemetry([]),
    tickMs: 100,
  });
  try {
    await using service = await ServiceProcess.start({
      port: await freePort(),
      dataDir,
      env: {
        NATS_URL: fx.server.url,
        VECTORADMIN_EVENTS_STREAM: TEST_STREAM,
        ...keysEnv([tenant]),
      },
    });
    let restarted: Promise<void> | undefined;
    await streamUpserts(
      connect({ address: service.address, apiKey: tenantKey(tenant) }),
      numberedBatches({
        table: uniqueTable('restart'),
        dim: 4,
        batches: 12,
        batchSize: 10,
        seed: 5,
        autoCreate: { vectorSize: 4, distance: Distance.DISTANCE_COSINE, tenancy: 0 },
        before: async (b) => {
          if (b !== 6) return;
          // The stream under way never gets its stream_closed; the client resumes on a new one.
          await service.kill('SIGKILL');
          restarted = service.restart();
        },
      }),
      { window: 2 },
    );
    await restarted;
    const stats = () => handle.dashboard().consumer;
    await waitFor(() => stats().streams_ended_by_restart === 1 && stats().open_streams === 0, {
      timeoutMs: 20_000,
      reason: 'the killed instance stream ended by the next start, the resumed one closed',
      detail: () => stats(),
    });
    const operations = new Set(handle.summaries().map((s) => s.operation));
    for (const op of ['service_started', 'stream_opened', 'stream_closed', 'upsert']) {
      assert.ok(operations.has(op as never), `${op} counted`);
    }
  } finally {
    await handle.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
});
