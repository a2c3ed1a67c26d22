import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, createSecureServer } from 'node:http2';
import type { Http2Server, Http2Session, SecureServerOptions } from 'node:http2';
import type { AddressInfo } from 'node:net';
import type { DescService, Message } from '@bufbuild/protobuf';
import { Code, ConnectError } from '@connectrpc/connect';
import type { HandlerContext } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import {
  UpdateStatus,
  file_qdrant,
  type CountPoints,
  type DeletePoints,
  type GetPoints,
  type QueryPoints,
  type UpsertPoints,
  type Value,
} from '@qdrant/js-client-grpc';
import {
  createQdrantGrpcVectorStore,
  type QdrantGrpcVectorStore,
  type QdrantGrpcVectorStoreOptions,
} from '../../src/stores/qdrant-grpc-vector-store.js';
import { PeerState } from './qdrant-peer-state.js';
import { INVALID_API_KEY, QdrantSpecPeer, type PeerAccessOptions } from './qdrant-spec-peer.js';
import type { PeerReply } from './qdrant-peer-state.js';
import { validateRequest } from './qdrant-grpc-validator.js';

/** Qdrant's services as the client's own generated descriptors carry them. */
function serviceOf(file: string): DescService {
  const service =
    file === 'qdrant'
      ? file_qdrant.services[0]
      : file_qdrant.dependencies.find((f) => f.name === file)?.services[0];
  if (service === undefined) throw new Error(`@qdrant/js-client-grpc lacks ${file}`);
  return service;
}
const POINTS = serviceOf('points_service');
const QDRANT = serviceOf('qdrant');

/** A canned answer for the next call(s) of one method (`Upsert`, `Query`, `Count`, …). */
export type GrpcPeerFault =
  | {
      readonly kind: 'error';
      readonly code: Code;
      readonly message: string;
      readonly metadata?: Readonly<Record<string, string>>;
    }
  /** Never answer (the client's deadline must fire). */
  | { readonly kind: 'hang' };

/** One call as the peer received it. */
export interface RecordedCall {
  readonly method: string;
  readonly message: Message;
  readonly headers: Headers;
}

type Json = Record<string, unknown>;
// The points messages' own Filter and PointId (the package exports a same-named pair of another file).
type Filter = NonNullable<CountPoints['filter']>;
type PointId = NonNullable<UpsertPoints['points'][number]['id']>;

/**
 * Plays Qdrant's gRPC API (Points: Upsert, Delete, Query, Count; Qdrant: HealthCheck) over
 * HTTP/2 on 127.0.0.1:0, served by connect-node from the client's own service descriptors.
 * Every request is checked field by field (qdrant-grpc-validator.ts); each problem lands in
 * `violations`, which a test asserts empty. Requests are translated to the REST shapes and
 * handled by the same PeerState as the REST spec peer (pass one in to share collections), and
 * answers go back in Qdrant's gRPC shapes, failures with the codes Qdrant uses.
 */
export class QdrantGrpcPeer implements AsyncDisposable {
  readonly calls: RecordedCall[] = [];
  readonly violations: string[] = [];
  readonly state: PeerState;
  readonly #server: Http2Server;
  readonly #sessions = new Set<Http2Session>();
  readonly #faults = new Map<string, GrpcPeerFault[]>();
  readonly #tls: boolean;
  readonly #apiKey: string | undefined;

  private constructor(server: Http2Server, state: PeerState, tls: boolean, apiKey?: string) {
    this.#server = server;
    this.state = state;
    this.#tls = tls;
    this.#apiKey = apiKey;
  }

  /**
   * Starts a peer on a free loopback port; with `tls`, only over TLS with that certificate;
   * with `apiKey`, refusing other keys as Qdrant does.
   */
  static async start(
    options: { state?: PeerState; tls?: SecureServerOptions; apiKey?: string } = {},
  ): Promise<QdrantGrpcPeer> {
    // The routes are fixed before the peer exists; they reach it through this box.
    const box: { peer?: QdrantGrpcPeer } = {};
    const handler = connectNodeAdapter({
      grpc: true,
      grpcWeb: false,
      connect: false,
      routes(router) {
        router.service(POINTS, {
          upsert: (req: UpsertPoints, ctx: HandlerContext) => box.peer!.#serve('Upsert', req, ctx),
          delete: (req: DeletePoints, ctx: HandlerContext) => box.peer!.#serve('Delete', req, ctx),
          query: (req: QueryPoints, ctx: HandlerContext) => box.peer!.#serve('Query', req, ctx),
          count: (req: CountPoints, ctx: HandlerContext) => box.peer!.#serve('Count', req, ctx),
          get: (req: GetPoints, ctx: HandlerContext) => box.peer!.#serve('Get', req, ctx),
        } as never);
        router.service(QDRANT, {
          healthCheck: (req: Message, ctx: HandlerContext) =>
            box.peer!.#serve('HealthCheck', req, ctx),
        } as never);
      },
    });
    const server =
      options.tls === undefined ? createServer(handler) : createSecureServer(options.tls, handler);
    const peer = new QdrantGrpcPeer(
      server,
      options.state ?? new PeerState(),
      options.tls !== undefined,
      options.apiKey,
    );
    box.peer = peer;
    server.on('session', (session: Http2Session) => {
      peer.#sessions.add(session);
      session.once('close', () => peer.#sessions.delete(session));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return peer;
  }

  get port(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  /** The REST-style URL whose host this peer serves (for grpcUrlFor). */
  get url(): string {
    return `${this.#tls ? 'https' : 'http'}://127.0.0.1:${this.port}`;
  }

  /** Makes the next `times` calls of `method` behave as `fault`. */
  inject(method: string, fault: GrpcPeerFault, times = 1): void {
    const queue = this.#faults.get(method) ?? [];
    for (let i = 0; i < times; i += 1) queue.push(fault);
    this.#faults.set(method, queue);
  }

  callsOf(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const session of this.#sessions) session.destroy();
    await closed;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #serve(method: string, req: Message, ctx: HandlerContext): Promise<unknown> {
    this.calls.push({ method, message: req, headers: ctx.requestHeader });
    // Qdrant answers its health check without a key, as its REST health endpoints.
    const key = ctx.requestHeader.get('api-key');
    if (this.#apiKey !== undefined && method !== 'HealthCheck' && key !== this.#apiKey) {
      throw new ConnectError(INVALID_API_KEY, Code.Unauthenticated);
    }
    const problems = validateRequest(ctx.method.input, req);
    if (problems.length > 0) {
      this.violations.push(...problems);
      throw new ConnectError(`peer: request refused: ${problems[0]}`, Code.InvalidArgument);
    }
    const fault = this.#faults.get(method)?.shift();
    if (fault?.kind === 'hang') {
      await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
      throw new ConnectError('peer: abandoned', Code.Canceled);
    }
    if (fault?.kind === 'error') {
      throw new ConnectError(fault.message, fault.code, new Headers({ ...fault.metadata }));
    }
    switch (method) {
      case 'HealthCheck':
        return { title: 'qdrant - vector search engine', version: '1.18.0' };
      case 'Upsert':
        return this.#update(
          this.#rest('upsert_points', req as UpsertPoints, upsertBody(req as UpsertPoints)),
        );
      case 'Delete':
        return this.#update(
          this.#rest('delete_points', req as DeletePoints, deleteBody(req as DeletePoints)),
        );
      case 'Count': {
        const r = req as CountPoints;
        const result = answer(
          this.#rest('count_points', r, withFilter({ exact: r.exact ?? true }, r.filter)),
        ) as {
          count: number;
        };
        return { result: { count: BigInt(result.count) }, time: 0.0001 };
      }
      case 'Query': {
        const points = answer(
          this.#rest('query_points', req as QueryPoints, queryBody(req as QueryPoints)),
        ) as {
          points: { id: number | string; version: number; score: number; payload?: Json }[];
        };
        return {
          result: points.points.map((p) => ({
            id: toGrpcId(p.id),
            version: BigInt(p.version),
            score: p.score,
            payload: p.payload === undefined ? {} : toValueMap(p.payload),
          })),
          time: 0.0001,
        };
      }
      case 'Get': {
        const r = req as GetPoints;
        const records = answer(
          this.#rest('get_points', r, {
            ids: r.ids.map(fromGrpcId),
            with_payload: r.withPayload?.selectorOptions.value === true,
            with_vector: r.withVectors?.selectorOptions.value === true,
          }),
        ) as { id: number | string; payload?: Json; vector?: number[] }[];
        return {
          result: records.map((p) => ({
            id: toGrpcId(p.id),
            payload: p.payload === undefined ? {} : toValueMap(p.payload),
            ...(p.vector === undefined
              ? {}
              : {
                  vectors: {
                    vectorsOptions: {
                      case: 'vector',
                      value: { vector: { case: 'dense', value: { data: p.vector } } },
                    },
                  },
                }),
          })),
          time: 0.0001,
        };
      }
      default:
        throw new ConnectError(`peer: ${method} is not served`, Code.Unimplemented);
    }
  }

  #rest(
    operationId: string,
    req: { collectionName: string; wait?: boolean },
    body: Json,
  ): PeerReply {
    const query = new URLSearchParams(req.wait === undefined ? '' : `wait=${req.wait}`);
    return this.state.handle(operationId, { collection_name: req.collectionName }, query, body);
  }

  #update(reply: PeerReply): unknown {
    const result = answer(reply) as { operation_id: number; status: string };
    return {
      result: {
        operationId: BigInt(result.operation_id),
        status: result.status === 'completed' ? UpdateStatus.Completed : UpdateStatus.Acknowledged,
      },
      time: 0.0001,
    };
  }
}

/**
 * The result of a PeerState reply, or the failure Qdrant's gRPC API gives for the same
 * StorageError (its tonic mapping): bad input is INVALID_ARGUMENT, a missing collection NOT_FOUND.
 */
function answer(reply: PeerReply): unknown {
  const body = reply.body as { result?: unknown; status?: { error?: string } };
  if (reply.status === 200) return body.result;
  const message = body.status?.error ?? 'peer: failed';
  const code =
    reply.status === 400
      ? Code.InvalidArgument
      : reply.status === 404
        ? Code.NotFound
        : reply.status === 409
          ? Code.AlreadyExists
          : Code.Internal;
  throw new ConnectError(message, code);
}

function fromGrpcId(id: PointId | undefined): number | string {
  const o = id?.pointIdOptions;
  if (o?.case === 'num') return Number(o.value);
  if (o?.case === 'uuid') return o.value;
  throw new ConnectError('Wrong input: point id is missing', Code.InvalidArgument);
}

function toGrpcId(id: number | string): PointId {
  return (
    typeof id === 'number'
      ? { pointIdOptions: { case: 'num', value: BigInt(id) } }
      : { pointIdOptions: { case: 'uuid', value: id } }
  ) as PointId;
}

function fromValue(value: Value): unknown {
  const k = value.kind;
  switch (k.case) {
    case 'integerValue':
      return Number(k.value);
    case 'structValue':
      return fromValueMap(k.value.fields);
    case 'listValue':
      return k.value.values.map(fromValue);
    case 'nullValue':
    case undefined:
      return null;
    default:
      return k.value;
  }
}

function fromValueMap(fields: Record<string, Value>): Json {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, fromValue(v)]));
}

/** The peer's JSON payload back as Value trees: integers as int64, as Qdrant keeps them. */
function toValue(value: unknown): unknown {
  if (value === null) return { kind: { case: 'nullValue', value: 0 } };
  if (typeof value === 'string') return { kind: { case: 'stringValue', value } };
  if (typeof value === 'boolean') return { kind: { case: 'boolValue', value } };
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? { kind: { case: 'integerValue', value: BigInt(value) } }
      : { kind: { case: 'doubleValue', value } };
  }
  if (Array.isArray(value))
    return { kind: { case: 'listValue', value: { values: value.map(toValue) } } };
  return { kind: { case: 'structValue', value: { fields: toValueMap(value as Json) } } };
}

function toValueMap(payload: Json): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, toValue(v)]));
}

/** A gRPC Filter in REST's JSON shape, for PeerState. */
function filterJson(filter: Filter): Json {
  const clause = (conditions: Filter['must']) =>
    conditions.map((c): Json => {
      const o = c.conditionOneOf;
      if (o.case === 'hasId') return { has_id: o.value.hasId.map(fromGrpcId) };
      if (o.case === 'filter') return filterJson(o.value);
      if (o.case !== 'field')
        throw new ConnectError(`peer: condition ${o.case} not served`, Code.Unimplemented);
      const { key, match, range } = o.value;
      if (range !== undefined) return { key, range: { ...range } };
      const m = match?.matchValue;
      const value = m?.case === 'integer' ? Number(m.value) : m?.value;
      return { key, match: { value } };
    });
  const out: Json = {};
  if (filter.must.length > 0) out.must = clause(filter.must);
  if (filter.should.length > 0) out.should = clause(filter.should);
  if (filter.mustNot.length > 0) out.must_not = clause(filter.mustNot);
  return out;
}

function withFilter(body: Json, filter: Filter | undefined): Json {
  return filter === undefined ? body : { ...body, filter: filterJson(filter) };
}

function upsertBody(req: UpsertPoints): Json {
  return {
    points: req.points.map((p) => {
      const v = p.vectors?.vectorsOptions;
      const vector =
        v?.case === 'vector' && v.value.vector.case === 'dense' ? v.value.vector.value.data : [];
      return { id: fromGrpcId(p.id), vector, payload: fromValueMap(p.payload) };
    }),
  };
}

function deleteBody(req: DeletePoints): Json {
  const s = req.points?.pointsSelectorOneOf;
  if (s?.case === 'points') return { points: s.value.ids.map(fromGrpcId) };
  if (s?.case === 'filter') return { filter: filterJson(s.value) };
  throw new ConnectError('Wrong input: points selector is missing', Code.InvalidArgument);
}

function queryBody(req: QueryPoints): Json {
  const q = req.query?.variant;
  const vector =
    q?.case === 'nearest' && q.value.variant.case === 'dense' ? q.value.variant.value.data : [];
  const params: Json = {};
  if (req.params?.exact !== undefined) params.exact = req.params.exact;
  if (req.params?.hnswEf !== undefined) params.hnsw_ef = Number(req.params.hnswEf);
  return withFilter(
    {
      query: vector,
      limit: Number(req.limit ?? 10n),
      with_payload:
        req.withPayload?.selectorOptions.case === 'enable' && req.withPayload.selectorOptions.value,
      ...(Object.keys(params).length === 0 ? {} : { params }),
    },
    req.filter,
  );
}

/** A REST spec peer and a gRPC peer over one PeerState: one Qdrant, both ports. */
export interface QdrantPeerPair extends AsyncDisposable {
  readonly rest: QdrantSpecPeer;
  readonly grpc: QdrantGrpcPeer;
  /** A QdrantGrpcVectorStore on both peers. */
  store(options?: Partial<QdrantGrpcVectorStoreOptions>): QdrantGrpcVectorStore;
  /** Closes both; throws when either saw a request that breaks its API. */
  close(): Promise<void>;
}

/** Both peers on one state; `access` (TLS, API key) applies to both ports. */
export async function startQdrantPeers(access: PeerAccessOptions = {}): Promise<QdrantPeerPair> {
  const state = new PeerState();
  const rest = await QdrantSpecPeer.start(state, access);
  const grpc = await QdrantGrpcPeer.start({ state, ...access });
  const close = async (): Promise<void> => {
    await Promise.all([rest.close(), grpc.close()]);
    assert.deepEqual(rest.violations, [], 'every REST request and answer fits the Qdrant spec');
    assert.deepEqual(grpc.violations, [], 'every gRPC request is one the peer can play');
  };
  return {
    rest,
    grpc,
    store: (options = {}) =>
      createQdrantGrpcVectorStore({
        url: rest.url,
        grpcPort: grpc.port,
        timeoutMs: 5_000,
        ...options,
      }),
    close,
    [Symbol.asyncDispose]: close,
  };
}
