import { readFileSync } from 'node:fs';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { Metadata, credentials as grpcCredentials, type CallOptions } from '@grpc/grpc-js';
import { VectorAdminClient as GeneratedClient } from '../gen/vectoradmin/v1/vectoradmin.js';

/** How to reach a VectorAdmin server. */
export interface ConnectOptions {
  /** host:port */
  readonly address: string;
  /** Bearer key; omitted against a dev-mode server. */
  readonly apiKey?: string;
  /** TLS: the CA that signed the server, and a client certificate for mutual TLS. */
  readonly tls?: {
    readonly caFile?: string;
    readonly certFile?: string;
    readonly keyFile?: string;
  };
  readonly maxMessageBytes?: number;
}

/** A generated client plus the call metadata that carries the key. */
export interface Connection {
  readonly raw: GeneratedClient;
  metadata(): Metadata;
  callOptions(timeoutMs?: number): CallOptions;
  close(): void;
}

/** Opens a channel to a VectorAdmin server. */
export function connect(options: ConnectOptions): Connection {
  const maxBytes = options.maxMessageBytes ?? 64 * 1024 * 1024;
  const raw = new GeneratedClient(options.address, channelCredentials(options), {
    'grpc.max_receive_message_length': maxBytes,
    'grpc.max_send_message_length': maxBytes,
    'grpc.keepalive_time_ms': 60_000,
  });
  return {
    raw,
    metadata: () => {
      const metadata = new Metadata();
      if (options.apiKey !== undefined) metadata.set('authorization', `Bearer ${options.apiKey}`);
      return metadata;
    },
    callOptions: (timeoutMs) =>
      timeoutMs === undefined ? {} : { deadline: Date.now() + timeoutMs },
    close: () => raw.close(),
  };
}

function channelCredentials(options: ConnectOptions): ChannelCredentials {
  const tls = options.tls;
  if (tls === undefined) return grpcCredentials.createInsecure();
  const read = (file: string | undefined) => (file === undefined ? null : readFileSync(file));
  return grpcCredentials.createSsl(read(tls.caFile), read(tls.keyFile), read(tls.certFile));
}
