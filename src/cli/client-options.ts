import {
  connect,
  vectorAdminApi,
  type ConnectOptions,
  type VectorAdminApi,
} from '../client/index.js';
import type { Config } from '../config/index.js';

/** Connection options from config, overridden by --address and --key. */
export function clientOptions(
  config: Config,
  flags: { address?: string | undefined; key?: string | undefined },
): ConnectOptions {
  const apiKey = flags.key ?? config.client.apiKey ?? config.auth.adminKey;
  const tls = config.grpc.tls;
  return {
    address: flags.address ?? config.grpc.address,
    ...(apiKey === undefined ? {} : { apiKey }),
    ...(tls === undefined ? {} : { tls: tls.caFile === undefined ? {} : { caFile: tls.caFile } }),
    maxMessageBytes: config.grpc.maxMessageBytes,
  };
}

/** Runs `work` with the API at the flags' (or config's) server, closing the connection after. */
export async function withApi<T>(
  config: Config,
  flags: Parameters<typeof clientOptions>[1],
  work: (api: VectorAdminApi) => Promise<T>,
): Promise<T> {
  const connection = connect(clientOptions(config, flags));
  try {
    return await work(vectorAdminApi(connection));
  } finally {
    connection.close();
  }
}
