import {
  Operation,
  VectorAdminError,
  type AuthorizedRef,
  type CollectionService,
  type PointError,
  type PointService,
} from '../domain/index.js';
import type * as pb from '../gen/vectoradmin/v1/vectoradmin.js';
import { tableOf } from './collection-handlers.js';
import { configRequestFromProto } from './collection-mappers.js';
import type { OperationSpec } from './operation-pipeline.js';
import { pointInputsFromProto, vectorBytes } from './point-mappers.js';

/**
 * One batch of points, unary or streamed: validated whole, written once durable, acked with
 * the number of points stored. A refused batch still answers with its ack, which names every
 * bad field; a unary call fails with it, a stream writes it and goes on.
 */
export function upsertOperation(
  collections: CollectionService,
  points: PointService,
): OperationSpec<pb.UpsertRequest, AuthorizedRef, pb.UpsertAck> {
  return {
    operation: Operation.Upsert,
    authorize: tableOf(collections),
    describe: (request) => ({
      seq: request.seq.toString(),
      points: 0,
      pointsRequested: request.points.length,
      bytes: vectorBytes(request.points),
    }),
    run: async (ref, request) => {
      const outcome = await points.upsert(
        ref,
        pointInputsFromProto(request.points),
        configRequestFromProto(request.autoCreate, 'auto_create'),
      );
      const facts = {
        vectorSize: outcome.vectorSize,
        points: outcome.upserted,
        ...(outcome.collection === '' ? {} : { collection: outcome.collection }),
      };
      const reply = { seq: request.seq, upserted: outcome.upserted, errors: [...outcome.errors] };
      if (outcome.errors.length === 0) return { reply, facts };
      return { reply, facts, rejection: batchRejected(outcome.errors) };
    },
  };
}

// The status names the first field; the trailers and the ack carry all of them.
function batchRejected(errors: readonly PointError[]): VectorAdminError {
  const first = errors[0];
  return new VectorAdminError(
    'invalid_argument',
    `batch rejected: ${first?.field}: ${first?.message}`,
    { violations: errors.map((e) => ({ field: e.field, message: e.message })) },
  );
}
