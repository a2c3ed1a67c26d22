import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';

/** Where a TcpProxy forwards to. */
export interface ProxyTarget {
  readonly host: string;
  readonly port: number;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  /** What a stall held back; a null chunk is the sender's end of stream. */
  readonly held: { readonly to: Socket; readonly chunk: Buffer | null }[];
}

/**
 * A TCP proxy on 127.0.0.1:0 for fault tests: forwards every connection to `target`, and can
 * cut connections (as a crashed peer would), stall them (a hung peer: sockets stay open, no
 * byte moves either way) or refuse new ones (a peer that is gone).
 */
export class TcpProxy implements AsyncDisposable {
  readonly #server: Server;
  readonly #pairs = new Set<Pair>();
  #stalled = false;
  #refusing = false;
  #accepted = 0;
  #refused = 0;
  #bytes = 0;

  private constructor(
    server: Server,
    private readonly target: ProxyTarget,
  ) {
    this.#server = server;
    server.on('connection', (client) => this.#accept(client));
  }

  /** Starts a proxy to `target` (e.g. a nats-server or an HTTP peer on loopback). */
  static async start(target: ProxyTarget): Promise<TcpProxy> {
    const server = createServer({ pauseOnConnect: true });
    const proxy = new TcpProxy(server, target);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    return proxy;
  }

  /** A proxy to the host and port of `url` (http://, nats://). */
  static forUrl(url: string): Promise<TcpProxy> {
    const parsed = new URL(url);
    return TcpProxy.start({ host: parsed.hostname, port: Number(parsed.port) });
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The proxy's address in `target`'s scheme, e.g. `nats://127.0.0.1:<port>`. */
  url(scheme: string): string {
    return `${scheme}://127.0.0.1:${this.port}`;
  }

  /** Connections accepted so far (including refused ones). */
  get accepted(): number {
    return this.#accepted;
  }

  /** Connections reset at once because the proxy was refusing. */
  get refused(): number {
    return this.#refused;
  }

  /** Connections open now. */
  get open(): number {
    return this.#pairs.size;
  }

  /** Bytes forwarded in either direction so far. */
  get bytesForwarded(): number {
    return this.#bytes;
  }

  /** Resets every open connection on both sides; new connections are still accepted. */
  cut(): void {
    for (const pair of [...this.#pairs]) this.#drop(pair);
  }

  /** Stops forwarding in both directions without closing anything, until `resume`. */
  stall(): void {
    this.#stalled = true;
  }

  /** Forwards again what a stall held back, and everything after it. */
  resume(): void {
    this.#stalled = false;
    for (const pair of this.#pairs) {
      for (const { to, chunk } of pair.held.splice(0)) this.#forward(to, chunk);
      pair.client.resume();
      pair.upstream.resume();
    }
  }

  /** While on, cuts every open connection and resets each new one at once (the peer is gone). */
  refuse(on: boolean): void {
    this.#refusing = on;
    if (on) this.cut();
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  #accept(client: Socket): void {
    this.#accepted += 1;
    if (this.#refusing) {
      this.#refused += 1;
      client.resetAndDestroy();
      return;
    }
    const upstream = connect({ host: this.target.host, port: this.target.port });
    const pair: Pair = { client, upstream, held: [] };
    this.#pairs.add(pair);
    this.#wire(pair, client, upstream);
    this.#wire(pair, upstream, client);
    upstream.once('connect', () => {
      if (!this.#stalled) client.resume();
    });
  }

  #wire(pair: Pair, from: Socket, to: Socket): void {
    from.on('data', (chunk: Buffer) => {
      if (this.#stalled) {
        pair.held.push({ to, chunk });
        from.pause();
        return;
      }
      if (!this.#forward(to, chunk)) {
        from.pause();
        to.once('drain', () => {
          if (!this.#stalled) from.resume();
        });
      }
    });
    from.once('end', () => {
      if (this.#stalled) pair.held.push({ to, chunk: null });
      else this.#forward(to, null);
    });
    // A clean close passes on as a clean close; a failure resets the other side, as a crashed
    // peer would.
    from.on('error', () => this.#drop(pair));
    from.once('close', () => {
      if (pair.client.destroyed && pair.upstream.destroyed) this.#pairs.delete(pair);
    });
  }

  #forward(to: Socket, chunk: Buffer | null): boolean {
    if (to.destroyed) return true;
    if (chunk === null) {
      to.end();
      return true;
    }
    this.#bytes += chunk.length;
    return to.write(chunk);
  }

  #drop(pair: Pair): void {
    if (!this.#pairs.delete(pair)) return;
    pair.held.length = 0;
    for (const socket of [pair.client, pair.upstream]) {
      if (socket.destroyed) continue;
      // Before the upstream connect completes, a reset is not possible; a plain destroy is.
      // Nor while a socket's end is being sent: libuv refuses the reset (EINVAL), Node has
      // already dropped the handle, and it is never closed, so the process spins at exit.
      if (socket.connecting || socket.writableEnded) socket.destroy();
      else socket.resetAndDestroy();
    }
  }
}
