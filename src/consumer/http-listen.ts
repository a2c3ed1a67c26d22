import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bareHost, splitHostPort } from '../config/index.js';

/** Listens on `host:port` (port 0 picks one) and resolves to the bound port. */
export function listen(server: Server, address: string): Promise<number> {
  const { host, port } = splitHostPort(address);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, bareHost(host), () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server, ending idle and streaming connections too. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err === undefined ? resolve() : reject(err)));
    server.closeAllConnections();
  });
}
