import { status, type ServiceError } from '@grpc/grpc-js';
import { call, connect, type ConnectOptions, type Connection } from '../client/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../domain/index.js';
import {
  collectionsPage,
  describeRequest,
  type CollectionsFailure,
  type CollectionsQuery,
  type CollectionsView,
} from './dashboard-collections-view.js';

const CALL_TIMEOUT_MS = 10_000;

/**
 * The service's DescribeCollections, as the dashboard's collections page asks it: at the
 * service address and with the admin key the CLI would use (VECTORADMIN_GRPC_ADDR,
 * VECTORADMIN_ADMIN_KEY). Called when the page asks, never in the background, so a consumer
 * whose page nobody opens never calls the service.
 */
export class ServiceCollections {
  private connection: Connection | undefined;
  private readonly options: ConnectOptions;

  constructor(
    config: Config,
    private readonly logger: Logger,
  ) {
    this.options = serviceConnectOptions(config);
  }

  /** One page for `query`, or what went wrong and which variable to set. */
  async view(query: CollectionsQuery): Promise<CollectionsView> {
    try {
      // In the try: a TLS file that cannot be read is the page's message too.
      const connection = (this.connection ??= connect(this.options));
      const response = await call(
        connection,
        connection.raw.describeCollections.bind(connection.raw),
        describeRequest(query),
        CALL_TIMEOUT_MS,
      );
      return collectionsPage(query, this.options.address, response);
    } catch (err) {
      const failure = this.failure(query, err as Partial<ServiceError>);
      if (failure.error.status === 'UNAVAILABLE') {
        // A fresh channel next time: the old one would wait out its reconnect backoff
        // (up to minutes) after the service comes up.
        this.close();
      }
      this.logger.warn('collections page: DescribeCollections failed', {
        address: this.options.address,
        status: failure.error.status,
        err,
      });
      return failure;
    }
  }

  close(): void {
    this.connection?.close();
    this.connection = undefined;
  }

  private failure(query: CollectionsQuery, err: Partial<ServiceError>): CollectionsFailure {
    const address = this.options.address;
    const details = err.details ?? (err as Error).message ?? 'no details';
    if (err.code === undefined) {
      // Not the service's answer: the channel could not be set up (e.g. an unreadable CA file).
      return this.failureView(
        query,
        'UNKNOWN',
        `cannot call the service at ${address}: ${details}`,
        'check VECTORADMIN_GRPC_ADDR and VECTORADMIN_TLS_CA on the consumer',
      );
    }
    const code = err.code;
    const keyFix = "set VECTORADMIN_ADMIN_KEY on the consumer to the service's admin key";
    const reachFix =
      'start the service, or set VECTORADMIN_GRPC_ADDR on the consumer to the address it listens on';
    const [message, fix] = ((): [string, string] => {
      switch (code) {
        case status.UNAVAILABLE:
          return [`cannot reach the VectorAdmin service at ${address}: ${details}`, reachFix];
        case status.DEADLINE_EXCEEDED:
          return [
            `the VectorAdmin service at ${address} did not answer within ${CALL_TIMEOUT_MS / 1000} s`,
            reachFix,
          ];
        case status.UNAUTHENTICATED:
          return [
            this.options.apiKey === undefined
              ? `the service at ${address} requires a key, and the consumer has no VECTORADMIN_ADMIN_KEY`
              : `the service at ${address} does not know the consumer's VECTORADMIN_ADMIN_KEY`,
            keyFix,
          ];
        case status.PERMISSION_DENIED:
          return [
            `the consumer's VECTORADMIN_ADMIN_KEY is not the admin key of the service at ${address} (DescribeCollections is admin-only): ${details}`,
            keyFix,
          ];
        case status.UNIMPLEMENTED:
          return [
            `the service at ${address} has no DescribeCollections`,
            'upgrade the service to this version',
          ];
        case status.INVALID_ARGUMENT:
          return [
            `the service refused the query: ${details}`,
            query.page_token === undefined ? 'change the query' : 'start again from the first page',
          ];
        default:
          return [`DescribeCollections failed at ${address}: ${details}`, "see the service's log"];
      }
    })();
    return this.failureView(query, status[code] ?? String(code), message, fix);
  }

  private failureView(
    query: CollectionsQuery,
    statusName: string,
    message: string,
    fix: string,
  ): CollectionsFailure {
    return {
      ok: false,
      query,
      service: this.options.address,
      as_of: new Date().toISOString(),
      error: { status: statusName, message, fix },
    };
  }
}

/**
 * The consumer's way to the service: the CLI's address and TLS trust (VECTORADMIN_GRPC_ADDR,
 * VECTORADMIN_TLS_CA), with the admin key only, since DescribeCollections is admin-only (none
 * against a dev-mode service, which needs none).
 */
function serviceConnectOptions(config: Config): ConnectOptions {
  const { adminKey } = config.auth;
  const tls = config.grpc.tls;
  return {
    address: config.grpc.address,
    ...(adminKey === undefined ? {} : { apiKey: adminKey }),
    ...(tls === undefined ? {} : { tls: tls.caFile === undefined ? {} : { caFile: tls.caFile } }),
    maxMessageBytes: config.grpc.maxMessageBytes,
  };
}
