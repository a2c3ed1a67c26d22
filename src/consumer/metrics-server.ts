import { createServer, type Server } from 'node:http';
import type { PrometheusExporter } from '@opentelemetry/exporter-prometheus';
import { authorize, type HttpCredentials } from './http-auth.js';
import { closeServer, listen } from './http-listen.js';

/** The Prometheus scrape endpoint: GET /metrics on its own address. */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    /** The bound port. */
    readonly port: number,
  ) {}

  /** Serves `exporter` on `address` (host:port; port 0 picks one) to holders of `credentials`. */
  static async start(
    address: string,
    exporter: PrometheusExporter,
    credentials: HttpCredentials,
  ): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      if (!authorize(req, res, credentials)) return;
      const path = new URL(req.url ?? '/', 'http://metrics').pathname;
      if (req.method === 'GET' && path === '/metrics') exporter.getMetricsRequestHandler(req, res);
      else res.writeHead(404).end();
    });
    return new MetricsServer(server, await listen(server, address));
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
