import type { sendUnaryData, ServerUnaryCall } from '@grpc/grpc-js';
import type { ApiKeys, Logger, Operation } from '../domain/index.js';
import { toGrpcStatus } from './errors.js';
import { undecodableRequest } from './request-decoding.js';
import {
  callerFrom,
  fallbackTenant,
  type Caller,
  type OperationFacts,
  type OperationRecorder,
} from './operation-recorder.js';

/** What every handler needs; built once by the server. */
export interface HandlerDeps {
  readonly keys: ApiKeys;
  readonly recorder: OperationRecorder;
  readonly logger: Logger;
}

/**
 * Runs one unary RPC as an operation: authenticate, let `work` authorize and fill the event's
 * facts, answer with its result or a mapped status.
 */
export async function handleUnary<Req, Res>(
  deps: HandlerDeps,
  operation: Operation,
  call: ServerUnaryCall<Req, Res>,
  callback: sendUnaryData<Res>,
  work: (caller: Caller, facts: OperationFacts) => Promise<Res>,
): Promise<void> {
  let caller: Caller;
  try {
    caller = callerFrom(call.metadata, deps.keys);
  } catch (err) {
    deps.logger.warn('call refused', { operation, peer: call.getPeer(), err });
    callback(toGrpcStatus(err));
    return;
  }
  const facts: OperationFacts = { tenantId: fallbackTenant(caller), table: '', collection: '' };
  const undecodable = undecodableRequest(call.request);
  const result = await deps.recorder.run(operation, caller, facts, () =>
    undecodable === undefined ? work(caller, facts) : Promise.reject(undecodable),
  );
  if (result.ok) callback(null, result.value);
  else callback(result.status);
}

/** Adapts an async handler to grpc-js's callback style without a floating promise. */
export function unary<Req, Res>(
  handler: (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => Promise<void>,
  logger: Logger,
): (call: ServerUnaryCall<Req, Res>, callback: sendUnaryData<Res>) => void {
  return (call, callback) => {
    handler(call, callback).catch((err: unknown) => {
      logger.error('handler crashed', { err });
      callback(toGrpcStatus(err));
    });
  };
}
