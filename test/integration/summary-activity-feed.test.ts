import { createServer, type AddressInfo, type Socket } from 'node:net';
import { test } from 'node:test';
import { SummaryActivityFeed } from '../../src/events/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { waitFor } from '../helpers/wait-for.js';

/**
 * A NATS server that speaks just enough of the protocol to be connected to: INFO, then a PONG
 * for every PING. The first connection is dropped at its second PING, the flush after the
 * feed's SUB. A real nats-server cannot be killed at that exact point, and only there does
 * the feed's connect step fail after it has a connection.
 */
async function natsDroppingFirstFlush() {
  const open = new Set<Socket>();
  let accepted = 0;
  const server = createServer((socket) => {
    const connection = ++accepted;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
    socket.on('error', () => undefined);
    const port = (server.address() as AddressInfo).port;
    const info = { server_id: 'fake', version: '2.10.0', proto: 1, port, max_payload: 1 << 20 };
    socket.write(`INFO ${JSON.stringify({ ...info, host: '127.0.0.1', headers: true })}\r\n`);
    let pings = 0;
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end: number;
      while ((end = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        if (line !== 'PING') continue;
        pings += 1;
        if (connection === 1 && pings === 2) {
          socket.destroy();
          return;
        }
        socket.write('PONG\r\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `nats://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

test('summary activity feed - a connection lost at its first flush is the only one, and close ends it', async () => {
  const nats = await natsDroppingFirstFlush();
  const feed = new SummaryActivityFeed({ natsUrl: nats.url }, silentLogger);
  try {
    await feed.subscribed();
    // The client reconnects by itself; a second connection from the feed would stay open.
    await waitFor(() => nats.accepted >= 2 && nats.open === 1, {
      timeoutMs: 20_000,
      reason: 'the dropped connection back, and only it',
      detail: () => ({ accepted: nats.accepted, open: nats.open }),
    });
    await feed.close();
    await waitFor(() => nats.open === 0, {
      timeoutMs: 20_000,
      reason: 'every connection of the feed closed',
      detail: () => ({ accepted: nats.accepted, open: nats.open }),
    });
  } finally {
    await feed.close();
    await nats.close();
  }
});
