// A child process for crash tests: publishes events through a NatsEventBus as fast as it can
// and prints each accepted event id on its own line, until it is killed.
// Usage: node --import tsx event-bus-child.ts <natsUrl> <dataDir> <stream> <idPrefix>
import { Operation } from '../../src/domain/index.js';
import { createNatsEventBus } from '../../src/events/index.js';
import { silentLogger } from '../../src/logging/index.js';

const [natsUrl = '', dataDir = '', stream = '', idPrefix = ''] = process.argv.slice(2);
const bus = await createNatsEventBus({
  natsUrl,
  dataDir,
  stream,
  outboxMaxEvents: 1_000_000,
  maxAgeMs: 0,
  maxBytes: -1,
  replicas: 1,
  logger: silentLogger,
});
for (let i = 0; ; i++) {
  const id = `${idPrefix}-${i}`;
  await bus.publish({
    id,
    operation: Operation.Upsert,
    instanceId: 'test-instance',
    tenantId: 'crash',
    table: 'docs',
    collection: 'client_crash_docs',
    outcome: 'ok',
    grpcCode: 'OK',
    startedAt: new Date(),
    durationMs: 1,
  });
  process.stdout.write(`${id}\n`);
  // Let acks, journal writes and the kill interleave with publishing.
  if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
}
