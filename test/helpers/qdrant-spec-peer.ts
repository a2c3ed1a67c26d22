import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { VectorAdminError } from '../../src/domain/errors.js';
import type { ErrorCode } from '../../src/domain/errors.js';
import { createQdrantVectorStore } from '../../src/stores/qdrant-vector-store.js';
import type {
  QdrantVectorStore,
  QdrantVectorStoreOptions,
} from '../../src/stores/qdrant-vector-store.js';
import type { VectorStore } from '../../src/domain/ports.js';
import { PeerState, errorBody } from './qdrant-peer-state.js';
import type { VectorStoreFixture } from './vector-store-contract.js';
import { qdrantSpec } from './qdrant-spec-validator.js';
import type { QdrantSpec, SpecMatch } from './qdrant-spec-validator.js';

/** A canned behaviour for the next request(s) of one operation. */
export type PeerFault =
  /** Answer with this status and body instead; it must itself be valid for the spec. */
  | {
      readonly kind: 'reply';
      readonly status: number;
      readonly body?: unknown;
      readonly contentType?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Never answer (the client's timeout must fire). */
  | { readonly kind: 'hang' }
  /** Drop the connection without an answer. */
  | { readonly kind: 'reset' }
  /** Answer normally (to let earlier requests through before a later fault). */
  | { readonly kind: 'pass' };

/** One request as the peer received it. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly operationId: string | undefined;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
  readonly bodyBytes: number;
}

export { errorBody };

/** How a peer is reached: over TLS with this certificate, and/or only with this API key. */
export interface PeerAccessOptions {
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly apiKey?: string;
}

/** What Qdrant answers a request without the configured key (status 401 / UNAUTHENTICATED). */
export const INVALID_API_KEY = 'Invalid API key or JWT';

// Qdrant serves its health endpoints without a key (orchestrators probe them).
const KEYLESS_PATHS = new Set(['/', '/healthz', '/readyz', '/livez']);

/**
 * Plays Qdrant over HTTP on 127.0.0.1:0 for tests, because Qdrant cannot run here. Every
 * request is checked against Qdrant's OpenAPI spec (method, path, query, JSON body) and every
 * answer against the response schema of its operation; each mismatch lands in `violations`,
 * which a test asserts empty. Behind it sits a small in-memory Qdrant (`state`).
 */
export class QdrantSpecPeer implements AsyncDisposable {
  readonly requests: RecordedRequest[] = [];
  readonly violations: string[] = [];
  readonly state: PeerState;
  /** Most requests in flight at once, to show that split writes go one after another. */
  maxInFlight = 0;
  readonly #server: Server;
  readonly #spec: QdrantSpec;
  readonly #faults = new Map<string, PeerFault[]>();
  readonly #access: PeerAccessOptions;
  #inFlight = 0;

  private constructor(
    server: Server,
    spec: QdrantSpec,
    state: PeerState,
    access: PeerAccessOptions,
  ) {
    this.#server = server;
    this.#spec = spec;
    this.state = state;
    this.#access = access;
  }

  /**
   * Starts a peer on a free loopback port; pass `state` to share collections with a gRPC peer.
   * With `access.tls` it speaks only TLS; with `access.apiKey` it refuses other keys as Qdrant does.
   */
  static async start(
    state = new PeerState(),
    access: PeerAccessOptions = {},
  ): Promise<QdrantSpecPeer> {
    const server = access.tls === undefined ? createServer() : createTlsServer(access.tls);
    const peer = new QdrantSpecPeer(server, qdrantSpec(), state, access);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      peer.#onRequest(req, res).catch((err: unknown) => {
        peer.violations.push(`peer crashed: ${String(err)}`);
        res.destroy();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return peer;
  }

  /** Base URL for the Qdrant client. */
  get url(): string {
    const { port } = this.#server.address() as AddressInfo;
    return `${this.#access.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  }

  /** Makes the next `times` requests of `operationId` behave as `fault`. */
  inject(operationId: string, fault: PeerFault, times = 1): void {
    const queue = this.#faults.get(operationId) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.#faults.set(operationId, queue);
  }

  /** The recorded requests of one operation, in arrival order. */
  requestsFor(operationId: string): RecordedRequest[] {
    return this.requests.filter((r) => r.operationId === operationId);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.#inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.#inFlight);
    res.on('close', () => (this.#inFlight -= 1));
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', 'http://peer');
    const method = req.method ?? 'GET';
    const match = this.#spec.match(method, url.pathname);
    const text = raw.toString('utf8');
    let body: unknown = undefined;
    try {
      body = text.length > 0 ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    this.requests.push({
      method,
      path: url.pathname,
      operationId: match?.operationId,
      query: url.searchParams,
      headers: req.headers,
      body,
      bodyBytes: raw.length,
    });
    if (match === undefined) {
      this.violations.push(`${method} ${url.pathname}: no such operation in the spec`);
      this.#send(res, undefined, { status: 404, body: errorBody('peer: no such operation') });
      return;
    }
    const problems = this.#spec.validateRequest(
      match,
      url.searchParams,
      req.headers['content-type'],
      text,
    );
    if (problems.length > 0) {
      this.violations.push(...problems);
      this.#send(res, match, {
        status: 400,
        body: errorBody(`peer: request violates the spec: ${problems[0]}`),
      });
      return;
    }
    const { apiKey } = this.#access;
    if (
      apiKey !== undefined &&
      !KEYLESS_PATHS.has(url.pathname) &&
      req.headers['api-key'] !== apiKey
    ) {
      this.#send(res, match, { status: 401, body: errorBody(INVALID_API_KEY) });
      return;
    }
    const fault = this.#faults.get(match.operationId)?.shift();
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'reply') {
      this.#send(
        res,
        match,
        { status: fault.status, body: fault.body, contentType: fault.contentType },
        fault.headers,
      );
      return;
    }
    try {
      this.#send(
        res,
        match,
        this.state.handle(match.operationId, match.pathParams, url.searchParams, body),
      );
    } catch (err) {
      this.violations.push(String(err));
      this.#send(res, match, { status: 500, body: errorBody('peer: unsupported request') });
    }
  }

  #send(
    res: ServerResponse,
    match: SpecMatch | undefined,
    reply: { status: number; body: unknown; contentType?: string | undefined },
    headers: Readonly<Record<string, string>> = {},
  ): void {
    const contentType = reply.contentType ?? 'application/json';
    if (match !== undefined)
      this.violations.push(
        ...this.#spec.validateResponse(match, reply.status, contentType, reply.body),
      );
    const payload =
      reply.body === undefined
        ? ''
        : contentType === 'application/json'
          ? JSON.stringify(reply.body)
          : typeof reply.body === 'string'
            ? reply.body
            : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      ...headers,
      'content-type': contentType,
      'content-length': Buffer.byteLength(payload),
    });
    res.end(payload);
  }
}

/**
 * Runs `fn` against a fresh peer, closes it, then asserts that no request or answer broke
 * the spec and that every write asked to wait until applied (`wait=true`).
 */
export async function withSpecPeer(fn: (peer: QdrantSpecPeer) => Promise<void>): Promise<void> {
  const peer = await QdrantSpecPeer.start();
  try {
    await fn(peer);
  } finally {
    await peer.close();
  }
  assert.deepEqual(peer.violations, [], 'every request and answer fits the Qdrant spec');
  for (const r of peer.requests.filter((r) => WRITES.has(r.operationId ?? ''))) {
    assert.equal(r.query.get('wait'), 'true', `${r.operationId} waits until applied`);
  }
}

const WRITES = new Set(['upsert_points', 'delete_points', 'create_field_index']);

/** A real QdrantVectorStore pointed at `peer` (or any URL). */
export function peerStore(
  peer: QdrantSpecPeer | string,
  options: Partial<QdrantVectorStoreOptions> = {},
): QdrantVectorStore {
  const url = typeof peer === 'string' ? peer : peer.url;
  return createQdrantVectorStore({ url, timeoutMs: 5_000, ...options });
}

/** A collection name unique to one test. */
export function uniqueName(title: string): string {
  return `qdrant_${title.replace(/\W+/g, '_')}_${randomBytes(4).toString('hex')}`;
}

/** An `assert.rejects` check: a VectorAdminError with this code (never the message text). */
export function hasCode(code: ErrorCode) {
  return (err: unknown): true => {
    assert.ok(err instanceof VectorAdminError, `expected VectorAdminError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

/**
 * A contract fixture on a live Qdrant: the contract names its collections contract_*, and
 * cleanup removes only the ones this run made.
 */
export async function liveContractFixture(live: () => VectorStore): Promise<VectorStoreFixture> {
  const store = live();
  const before = new Set(await store.listCollections('contract_'));
  return {
    store,
    reopen: () => Promise.resolve(live()),
    async cleanup() {
      for (const name of await store.listCollections('contract_')) {
        if (!before.has(name)) await store.deleteCollection(name);
      }
      await store.close();
    },
  };
}
