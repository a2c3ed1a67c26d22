import { Client, credentials, status, type Metadata, type ServiceError } from '@grpc/grpc-js';
import { statusDetails, type VectorAdminApi } from '../../src/client/index.js';
import type * as pb from '../../src/gen/vectoradmin/v1/vectoradmin.js';

/** How a call ended, as a client sees it: the status code, its text and the fields it named. */
export interface Outcome<T = unknown> {
  readonly code: status;
  readonly details: string;
  /** The `field` of every field violation in the status details. */
  readonly fields: string[];
  readonly value?: T;
}

/** The fields a failed call's status details name, in order. */
export function violationFields(err: Partial<ServiceError>): string[] {
  return statusDetails(err).fieldViolations.map((v) => v.field);
}

/** Settles a call into an Outcome; anything that is not a gRPC status is rethrown. */
export async function outcome<T>(call: Promise<T>): Promise<Outcome<T>> {
  try {
    return { code: status.OK, details: '', fields: [], value: await call };
  } catch (err) {
    const e = err as Partial<ServiceError>;
    if (typeof e.code !== 'number') throw err;
    return { code: e.code, details: e.details ?? '', fields: violationFields(e) };
  }
}

const identity = (bytes: Buffer) => bytes;

/** A client that sends raw bytes to any method, for input no generated client would produce. */
export class RawGrpcClient {
  readonly #client: Client;

  constructor(address: string) {
    this.#client = new Client(address, credentials.createInsecure(), {
      'grpc.max_send_message_length': -1,
      'grpc.max_receive_message_length': -1,
    });
  }

  /** Calls `/vectoradmin.v1.VectorAdmin/<method>` with `bytes` as the request message. */
  unary(method: string, bytes: Buffer, metadata: Metadata): Promise<Outcome<Buffer>> {
    return outcome(
      new Promise<Buffer>((resolve, reject) => {
        this.#client.makeUnaryRequest(
          `/vectoradmin.v1.VectorAdmin/${method}`,
          identity,
          identity,
          bytes,
          metadata,
          { deadline: Date.now() + 20_000 },
          (err, response) => (err ? reject(err) : resolve(response ?? Buffer.alloc(0))),
        );
      }),
    );
  }

  close(): void {
    this.#client.close();
  }
}

/** The collection-lifecycle RPCs the fuzz and isolation tests call by name. */
export type LifecycleRpc = 'create' | 'ensure' | 'get' | 'delete' | 'list';

/** Calls one lifecycle RPC and records how it ended. */
export function lifecycleCall(
  api: VectorAdminApi,
  rpc: LifecycleRpc,
  tenantId: string,
  table: string,
  config: pb.CollectionConfig,
): Promise<Outcome<unknown>> {
  switch (rpc) {
    case 'create':
      return outcome(api.createCollection({ tenantId, table, config }));
    case 'ensure':
      return outcome(api.ensureCollection({ tenantId, table, config }));
    case 'get':
      return outcome(api.getCollection({ tenantId, table }));
    case 'delete':
      return outcome(api.deleteCollection({ tenantId, table }));
    case 'list':
      return outcome(api.listCollections({ tenantId }));
  }
}
