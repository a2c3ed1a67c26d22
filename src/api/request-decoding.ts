import type { ServiceDefinition } from '@grpc/grpc-js';
import { VectorAdminError } from '../domain/index.js';

/** Wire size of each decoded request, for budgets that must count what a message held. */
const wireSizes = new WeakMap<object, number>();

/** Stands in for a request that could not be decoded, so its handler answers for it. */
class UndecodableRequest {
  constructor(readonly error: VectorAdminError) {}
}

/**
 * The service definition with request decoders that never throw. grpc-js answers a throwing
 * decoder with INTERNAL "Error deserializing request", which blames the server and names
 * nothing; malformed bytes or a payload nested past the decoder's recursion limit are the
 * caller's problem, so the handler turns the stand-in into INVALID_ARGUMENT with the reason.
 */
export function tolerantDecoding<D extends ServiceDefinition>(definition: D): D {
  const tolerant: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(definition)) {
    const message = method.path.slice(method.path.lastIndexOf('/') + 1);
    tolerant[name] = {
      ...method,
      requestDeserialize: (bytes: Buffer): unknown => {
        try {
          const request: unknown = method.requestDeserialize(bytes);
          if (typeof request === 'object' && request !== null) wireSizes.set(request, bytes.length);
          return request;
        } catch (err) {
          const reason = err instanceof Error ? err.message : 'malformed';
          return new UndecodableRequest(
            new VectorAdminError(
              'invalid_argument',
              `${message} request is not a valid protobuf message: ${reason}`,
              { cause: err },
            ),
          );
        }
      },
    };
  }
  return tolerant as D;
}

/** The invalid_argument error for a request that could not be decoded; undefined otherwise. */
export function undecodableRequest(request: unknown): VectorAdminError | undefined {
  return request instanceof UndecodableRequest ? request.error : undefined;
}

/** The size in bytes of the message `request` was decoded from; undefined when not known. */
export function wireSize(request: object): number | undefined {
  return wireSizes.get(request);
}
