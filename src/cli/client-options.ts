import type { ConnectOptions } from '../client/index.js';
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
