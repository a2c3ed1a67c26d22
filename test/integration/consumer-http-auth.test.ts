import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/index.js';
import { createTelemetry, runConsumer } from '../../src/consumer/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { closedPort } from '../helpers/closed-port.js';
import { cloudEvent, publishEvents } from '../helpers/consumer-events.js';
import { startConsumerFixture } from '../helpers/consumer-stack.js';
import { waitFor } from '../helpers/wait-for.js';

const TOKEN = 'dashboard-read-token-0123';
const ADMIN_KEY = 'admin-key-0123456789abcdef';

async function status(url: string, authorization?: string): Promise<number> {
  const res = await fetch(url, {
    ...(authorization === undefined ? {} : { headers: { authorization } }),
    signal: AbortSignal.timeout(5000),
  });
  await res.body?.cancel();
  return res.status;
}

test('consumer http - the dashboard and /metrics need the token once one is set', async () => {
  await using fx = await startConsumerFixture('consumer http token');
  await publishEvents(fx.js, [cloudEvent({ tenantId: 'secret-tenant' })]);
  const handle = await runConsumer(
    fx.config({
      VECTORADMIN_HTTP_TOKEN: TOKEN,
      VECTORADMIN_ADMIN_KEY: ADMIN_KEY,
      // No service: the collections page answers with its message, which is enough here.
      VECTORADMIN_GRPC_ADDR: `127.0.0.1:${await closedPort()}`,
    }),
    silentLogger,
    { telemetry: createTelemetry([]), tickMs: 100 },
  );
  try {
    await waitFor(() => handle.dashboard().consumer.applied === 1, {
      timeoutMs: 10_000,
      reason: 'the event applied',
    });
    const dashboard = `http://127.0.0.1:${handle.dashboardPort}`;
    const urls = [
      `${dashboard}/`,
      `${dashboard}/api/state`,
      `${dashboard}/api/stream`,
      `${dashboard}/collections`,
      `${dashboard}/api/collections`,
      `http://127.0.0.1:${handle.prometheusPort}/metrics`,
    ];
    const basic = (password: string): string =>
      `Basic ${Buffer.from(`anyone:${password}`).toString('base64')}`;
    for (const url of urls) {
      assert.equal(await status(url), 401, `${url} without a credential`);
      assert.equal(await status(url, 'Bearer not-the-token-000000'), 401, `${url}, a wrong token`);
      assert.equal(await status(url, `Bearer ${TOKEN}`), 200, `${url} with the bearer token`);
      assert.equal(await status(url, basic(TOKEN)), 200, `${url} with the token as Basic password`);
      assert.equal(await status(url, `Bearer ${ADMIN_KEY}`), 200, `${url} with the admin key`);
    }
    const refused = await fetch(`${dashboard}/api/state`);
    assert.match(refused.headers.get('www-authenticate') ?? '', /Basic/, 'browsers prompt');
    assert.doesNotMatch(await refused.text(), /secret-tenant/, 'a refusal discloses nothing');
  } finally {
    await handle.stop();
  }
});

test('consumer http - bound off loopback without any credential, the consumer refuses to start', async () => {
  await using fx = await startConsumerFixture('consumer http open');
  for (const variable of ['VECTORADMIN_DASHBOARD_ADDR', 'VECTORADMIN_PROMETHEUS_ADDR']) {
    await assert.rejects(
      runConsumer(fx.config({ [variable]: '0.0.0.0:0' }), silentLogger, {
        telemetry: createTelemetry([]),
      }),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.problems.some((p) => p.startsWith(variable) && p.includes('VECTORADMIN_HTTP_TOKEN')),
    );
  }
});
