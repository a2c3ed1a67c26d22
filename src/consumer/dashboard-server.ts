import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Alert } from './alert-rules.js';
import { COLLECTIONS_HTML } from './dashboard-collections-page.js';
import {
  parseCollectionsQuery,
  type CollectionsQuery,
  type CollectionsSource,
} from './dashboard-collections-view.js';
import { DASHBOARD_HTML, snapshotHtml } from './dashboard-page.js';
import {
  buildDashboardView,
  DashboardQueryError,
  parseDashboardQuery,
  type DashboardQuery,
  type MergedLatency,
} from './dashboard-view.js';
import { authorize, type HttpCredentials } from './http-auth.js';
import { closeServer, listen } from './http-listen.js';
import type { KeyedSeries } from './series-state.js';
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
  /** Per second, the last 10 minutes, by operation × tenant × collection. */
  readonly series: readonly KeyedSeries[];
  /** Per minute, the last hour, by operation × tenant × collection. */
  readonly minute_series: readonly KeyedSeries[];
  readonly summaries: readonly Summary[];
  /** Newest first. */
  readonly alerts: readonly Alert[];
}

/**
 * The live dashboard's HTTP server: GET / is the page, /api/state the current state as JSON,
 * /api/stream the view the page shows (for the query in its URL) as server-sent events, one per
 * `push`; /snapshot is that view as a static page (no live connection, so a headless browser's
 * screenshot settles) and /snapshot.json as JSON. /collections is the page of every tenant's
 * collections and /api/collections the DescribeCollections page it shows, asked of the service
 * when requested.
 */
export class DashboardServer {
  /** Live pages and the query each shows. */
  private readonly clients = new Map<ServerResponse, DashboardQuery>();

  private readonly server: Server;
  private boundPort = 0;

  private constructor(
    private readonly state: () => DashboardState,
    private readonly mergedLatency: MergedLatency,
    private readonly collections: CollectionsSource,
    credentials: HttpCredentials,
  ) {
    this.server = createServer((req, res) => {
      if (authorize(req, res, credentials)) this.handle(req, res);
    });
  }

  /**
   * Starts serving on `address` (host:port; port 0 picks one) to holders of `credentials`;
   * `mergedLatency` gives the p99 of several rows' events together, `collections` the pages of
   * the collections page.
   */
  static async start(
    address: string,
    state: () => DashboardState,
    credentials: HttpCredentials,
    mergedLatency: MergedLatency,
    collections: CollectionsSource,
  ): Promise<DashboardServer> {
    const dashboard = new DashboardServer(state, mergedLatency, collections, credentials);
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
    const state = this.state();
    for (const [client, query] of this.clients) {
      client.write(
        `data: ${JSON.stringify(buildDashboardView(state, query, this.mergedLatency))}\n\n`,
      );
    }
  }

  async close(): Promise<void> {
    for (const client of this.clients.keys()) client.end();
    this.clients.clear();
    await closeServer(this.server);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://dashboard');
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    if (url.pathname === '/') {
      send(res, 'text/html; charset=utf-8', DASHBOARD_HTML);
    } else if (url.pathname === '/api/state') {
      send(res, 'application/json', JSON.stringify(this.state()));
    } else if (url.pathname === '/collections') {
      send(res, 'text/html; charset=utf-8', COLLECTIONS_HTML);
    } else if (url.pathname === '/api/collections') {
      const query = parsedOr400(res, () => parseCollectionsQuery(url.searchParams));
      if (query !== undefined) this.collectionsPage(query, res);
    } else if (VIEWS.has(url.pathname)) {
      const query = parsedOr400(res, () => parseDashboardQuery(url.searchParams));
      if (query !== undefined) this.view(url.pathname, query, req, res);
    } else {
      res.writeHead(404).end();
    }
  }

  private collectionsPage(query: CollectionsQuery, res: ServerResponse): void {
    this.collections(query).then(
      (view) => send(res, 'application/json', JSON.stringify(view)),
      // The source answers every failure of the service as a view; this is a bug of its own.
      () =>
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal error'),
    );
  }

  private view(
    path: string,
    query: DashboardQuery,
    req: IncomingMessage,
    res: ServerResponse,
  ): void {
    const view = buildDashboardView(this.state(), query, this.mergedLatency);
    if (path === '/snapshot') {
      send(res, 'text/html; charset=utf-8', snapshotHtml(view));
    } else if (path === '/snapshot.json') {
      send(res, 'application/json', JSON.stringify(view));
    } else {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      res.write(`retry: 1000\ndata: ${JSON.stringify(view)}\n\n`);
      this.clients.set(res, query);
      req.once('close', () => this.clients.delete(res));
    }
  }
}

const VIEWS: ReadonlySet<string> = new Set(['/api/stream', '/snapshot', '/snapshot.json']);

// The query, or undefined after answering 400 with the parameter it cannot honour.
function parsedOr400<Q>(res: ServerResponse, parse: () => Q): Q | undefined {
  try {
    return parse();
  } catch (err) {
    if (!(err instanceof DashboardQueryError)) throw err;
    res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(err.message);
    return undefined;
  }
}

function send(res: ServerResponse, contentType: string, body: string): void {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' }).end(body);
}
