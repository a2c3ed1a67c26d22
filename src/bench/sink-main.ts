import { pathToFileURL } from 'node:url';
import {
  Server,
  ServerCredentials,
  status,
  type ServerDuplexStream,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import {
  VectorAdminService,
  type UpsertAck,
  type UpsertRequest,
} from '../gen/vectoradmin/v1/vectoradmin.js';
import { announceReady } from '../processes/index.js';

/** An UpsertStream implementation for the sink. */
export type UpsertStreamHandler = (call: ServerDuplexStream<UpsertRequest, UpsertAck>) => void;

/** Acks every batch at once, writing nothing. */
const ackEverything: UpsertStreamHandler = (call) => {
  call.on('data', (request: UpsertRequest) => {
    call.write({ seq: request.seq, upserted: request.points.length, errors: [] });
  });
  call.on('end', () => call.end());
  call.on('error', () => undefined);
};

/**
 * The transport ceiling: a VectorAdmin server whose UpsertStream decodes each message (as the
 * real one does) and acks it at once, writing nothing. Every other method is UNIMPLEMENTED.
 * Tests pass their own `upsertStream` to script a peer.
 */
export async function startSink(
  maxMessageBytes: number,
  upsertStream: UpsertStreamHandler = ackEverything,
): Promise<{ port: number; server: Server }> {
  const server = new Server({
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
  });
  const unimplemented = (_call: unknown, callback: (err: { code: number }) => void) =>
    callback({ code: status.UNIMPLEMENTED });
  const handlers: UntypedServiceImplementation = {};
  for (const name of Object.keys(VectorAdminService)) handlers[name] = unimplemented;
  handlers.upsertStream = upsertStream;
  server.addService(VectorAdminService, handlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  return { port, server };
}

/** Child-process entry: `sink-main [maxMessageBytes]`; stops on SIGTERM/SIGINT. */
export async function sinkMain(argv: readonly string[]): Promise<void> {
  const maxMessageBytes = Number(argv[0] ?? 64 * 1024 * 1024);
  const { port, server } = await startSink(maxMessageBytes);
  announceReady({ address: `127.0.0.1:${port}` });
  const stop = () => server.tryShutdown(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await sinkMain(process.argv.slice(2));
