import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Operation } from '../domain/index.js';
import type { Alert } from './alert-rules.js';
import { DASHBOARD_HTML } from './dashboard-page.js';
import { authorize, type HttpCredentials } from './http-auth.js';
import { closeServer, listen } from './http-listen.js';
import type { SeriesPoint } from './series-state.js';
import type { Summary } from './summary.js';

/** Everything the dashboard shows, as served on /api/state and pushed on /api/stream. */
export interface DashboardState {
  readonly generated_at: string;
  readonly consumer: {
    readonly name: string;
    readonly stream: string;
    readonly applied: number;
    readonly redelivered: number;
    readonly duplicate: number;
    readonly invalid: number;
    /** Events of tenants another partition counts. */
    readonly skipped: number;
    /** `index/count` of the tenants this process counts, e.g. "0/1" for all of them. */
    readonly partition: string;
    readonly contiguous_seq: number;
    readonly stream_pending: number;
    readonly open_streams: number;
    /** Streams never closed whose service instance a newer start of the same source replaced. */
    readonly streams_ended_by_restart: number;
  };
  readonly series: readonly {
    readonly operation: Operation;
    readonly points: readonly SeriesPoint[];
  }[];
  readonly summaries: readonly Summary[];
  /** Newest first. */
  readonly alerts: readonly Alert[];
}

/**
 * The live dashboard's HTTP server: GET / is the page, /api/state the current state as JSON,
 * /api/stream the same as server-sent events, one per `push`.
 */
export class DashboardServer {
  private readonly clients = new Set<ServerResponse>();

  private readonly server: Server;
  private boundPort = 0;

  private constructor(
    private readonly state: () => DashboardState,
    credentials: HttpCredentials,
  ) {
    this.server = createServer((req, res) => {
      if (authorize(req, res, credentials)) this.handle(req, res);
    });
  }

  /** Starts serving on `address` (host:port; port 0 picks one) to holders of `credentials`. */
  static async start(
    address: string,
    state: () => DashboardState,
    credentials: HttpCredentials,
  ): Promise<DashboardServer> {
    const dashboard = new DashboardServer(state, credentials);
    dashboard.boundPort = await listen(dashboard.server, address);
    return dashboard;
  }

  /** The bound port. */
  get port(): number {
    return this.boundPort;
  }

  /** Sends the current state to every live page. */
  push(): void {
    if (this.clients.size === 0) return;
    const json = JSON.stringify(this.state());
    for (const client of this.clients) client.write(`data: ${json}\n\n`);
  }

  async close(): Promise<void> {
    for (const client of this.clients) client.end();
    this.clients.clear();
    await closeServer(this.server);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
    } else if (path === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
        .end(DASHBOARD_HTML);
    } else if (path === '/api/state') {
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(this.state()));
    } else if (path === '/api/stream') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`retry: 1000\ndata: ${JSON.stringify(this.state())}\n\n`);
      this.clients.add(res);
      req.once('close', () => this.clients.delete(res));
    } else {
      res.writeHead(404).end();
    }
  }
}
