import type { Config } from '../config/index.js';
import type { SpawnedNats } from '../processes/index.js';

/** The short start-up text: where everything listens and what to paste next. */
export function banner(
  config: Config,
  server: Readonly<Record<string, unknown>>,
  consumer: Readonly<Record<string, unknown>> | undefined,
  nats: SpawnedNats | undefined,
  logDir: string,
): string {
  const address = String(server.address);
  const keyed = config.auth.tenantKeys.size > 0 || config.auth.adminKey !== undefined;
  const header = keyed ? "-H 'authorization: Bearer <key>' " : '';
  const tls = config.grpc.tls === undefined ? '-plaintext ' : '';
  const lines = [
    '',
    'VectorAdmin is running',
    `  gRPC         ${address}  (store: ${config.store.kind}, data: ${config.dataDir})`,
    consumer === undefined
      ? '  events       off (VECTORADMIN_EVENTS=off)'
      : `  events       ${nats === undefined ? (config.events.enabled ? config.events.natsUrl : '') : `${nats.url} (started here)`}`,
    ...(consumer === undefined
      ? []
      : [
          `  dashboard    http://${String(consumer.dashboard)}`,
          `  collections  http://${String(consumer.dashboard)}/collections`,
          `  prometheus   http://${String(consumer.prometheus)}`,
        ]),
    `  logs         ${logDir}`,
    ...(keyed
      ? []
      : ['  dev mode     no API keys configured: every call is allowed, loopback only']),
    '',
    'Try it:',
    `  grpcurl ${tls}${header}-d '{"tenant_id":"demo","table":"work_items","config":{"vector_size":8}}' ${address} vectoradmin.v1.VectorAdmin/EnsureCollection`,
    `  npm run vector-admin -- bench --quick --address ${address}${keyed ? ' --key <key>' : ''}`,
    '',
    'Ctrl-C stops everything.',
  ];
  return lines.join('\n');
}
