import type { Metadata, Server } from '@grpc/grpc-js';
import { VectorAdminError } from '../domain/index.js';

/**
 * Most bytes of metadata one call may carry, counted as HTTP/2 counts a header list: name,
 * value and 32 bytes per entry. grpc-js 1.14.7's server ignores `grpc.max_metadata_size`, so
 * the pipeline checks it for every call.
 */
export const MAX_METADATA_BYTES = 64 * 1024;

/**
 * What the HTTP/2 layer takes in before the check above can answer. Node's default
 * (64 KiB) is the check's own size, so bigger header lists were cut by a stream or session
 * reset, which clients report as INTERNAL or wait out to their deadline; up to this they are
 * answered with RESOURCE_EXHAUSTED naming the limit.
 */
export const MAX_HEADER_LIST_BYTES = 1024 * 1024;

/** Throws resource_exhausted naming the limit when `metadata` is larger than it. */
export function checkMetadataSize(metadata: Metadata): void {
  let bytes = 0;
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    for (const value of values)
      bytes +=
        key.length + (typeof value === 'string' ? Buffer.byteLength(value) : value.length) + 32;
  }
  if (bytes > MAX_METADATA_BYTES)
    throw new VectorAdminError(
      'resource_exhausted',
      `request metadata is ${bytes} bytes, more than the limit of ${MAX_METADATA_BYTES} (64 KiB)`,
    );
}

/**
 * Raises the HTTP/2 header list size the server advertises and accepts. grpc-js has no option
 * for it; its server passes `commonServerOptions` to `http2.createServer` at each bind (see
 * docs/PLATFORM.md), so the setting goes there before `bindAsync`.
 */
export function acceptHeaderLists(server: Server, bytes = MAX_HEADER_LIST_BYTES): void {
  const internals = server as unknown as { commonServerOptions?: { settings?: object } };
  const common = internals.commonServerOptions;
  if (common === undefined) return;
  common.settings = { ...common.settings, maxHeaderListSize: bytes };
}
