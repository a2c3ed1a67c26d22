import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import type { FieldViolation } from '../domain/index.js';

/**
 * gRPC's richer error model: a `google.rpc.Status` in the `grpc-status-details-bin` trailer,
 * which every gRPC ecosystem decodes (grpc-status in Python, status.FromError in Go). Field
 * violations travel there as a `google.rpc.BadRequest`, the retry hint as a
 * `google.rpc.RetryInfo`, so each field arrives separately in any language. Encoded by hand
 * (four small messages) rather than vendoring googleapis into the contract.
 */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

const BAD_REQUEST = 'type.googleapis.com/google.rpc.BadRequest';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';

/** What the details of a status say. */
export interface StatusDetails {
  readonly fieldViolations: readonly FieldViolation[];
  readonly retryAfterMs?: number;
}

/** The `google.rpc.Status` for a status `code`, its message and details, as trailer bytes. */
export function encodeStatusDetails(code: number, message: string, details: StatusDetails): Buffer {
  const status = new BinaryWriter().uint32(tag(1, WireType.Varint)).int32(code);
  status.uint32(tag(2, WireType.LengthDelimited)).string(message);
  if (details.fieldViolations.length > 0) {
    const badRequest = new BinaryWriter();
    for (const v of details.fieldViolations) {
      badRequest.uint32(tag(1, WireType.LengthDelimited)).fork();
      badRequest.uint32(tag(1, WireType.LengthDelimited)).string(v.field);
      badRequest.uint32(tag(2, WireType.LengthDelimited)).string(v.message);
      badRequest.join();
    }
    writeAny(status, BAD_REQUEST, badRequest.finish());
  }
  if (details.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.round(details.retryAfterMs));
    const duration = new BinaryWriter()
      .uint32(tag(1, WireType.Varint))
      .int64(Math.floor(ms / 1000))
      .uint32(tag(2, WireType.Varint))
      .int32((ms % 1000) * 1_000_000);
    const retryInfo = new BinaryWriter().uint32(tag(1, WireType.LengthDelimited));
    retryInfo.bytes(duration.finish());
    writeAny(status, RETRY_INFO, retryInfo.finish());
  }
  return Buffer.from(status.finish());
}

/** Reads the details this service sends; details of other types are skipped. */
export function decodeStatusDetails(bytes: Uint8Array): StatusDetails {
  const fieldViolations: FieldViolation[] = [];
  let retryAfterMs: number | undefined;
  forEachField(bytes, (field, reader) => {
    if (field !== 3) return false;
    let typeUrl = '';
    let value: Uint8Array = new Uint8Array();
    forEachField(reader.bytes(), (anyField, any) => {
      if (anyField === 1) typeUrl = any.string();
      else if (anyField === 2) value = any.bytes();
      else return false;
      return true;
    });
    if (typeUrl === BAD_REQUEST) fieldViolations.push(...decodeBadRequest(value));
    if (typeUrl === RETRY_INFO) retryAfterMs = decodeRetryInfo(value);
    return true;
  });
  return { fieldViolations, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
}

function decodeBadRequest(bytes: Uint8Array): FieldViolation[] {
  const out: FieldViolation[] = [];
  forEachField(bytes, (field, reader) => {
    if (field !== 1) return false;
    let name = '';
    let message = '';
    forEachField(reader.bytes(), (violationField, violation) => {
      if (violationField === 1) name = violation.string();
      else if (violationField === 2) message = violation.string();
      else return false;
      return true;
    });
    out.push({ field: name, message });
    return true;
  });
  return out;
}

function decodeRetryInfo(bytes: Uint8Array): number {
  let ms = 0;
  forEachField(bytes, (field, reader) => {
    if (field !== 1) return false;
    forEachField(reader.bytes(), (durationField, duration) => {
      if (durationField === 1) ms += Number(duration.int64()) * 1000;
      else if (durationField === 2) ms += duration.int32() / 1_000_000;
      else return false;
      return true;
    });
    return true;
  });
  return ms;
}

/** Calls `read` per field; a field it does not read (returns false) is skipped. */
function forEachField(
  bytes: Uint8Array,
  read: (field: number, reader: BinaryReader) => boolean,
): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    if (!read(field, reader)) reader.skip(wireType, field);
  }
}

function writeAny(writer: BinaryWriter, typeUrl: string, value: Uint8Array): void {
  writer.uint32(tag(3, WireType.LengthDelimited)).fork();
  writer.uint32(tag(1, WireType.LengthDelimited)).string(typeUrl);
  writer.uint32(tag(2, WireType.LengthDelimited)).bytes(value);
  writer.join();
}

function tag(field: number, wireType: WireType): number {
  return ((field << 3) | wireType) >>> 0;
}
