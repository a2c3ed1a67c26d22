import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type ConnectionOptions, type NatsConnection } from 'nats';

/** Where and as whom to connect: a comma-separated server list as in NATS_URL. */
export interface NatsTarget {
  readonly natsUrl: string;
  readonly credsFile?: string;
  /** Connection name shown by the server. */
  readonly name?: string;
}

/**
 * How a process rides out NATS outages: `link` reconnects for ever once connected (its caller
 * retries the first connect), `daemon` also waits for the first connect, `once` gives up.
 */
export type NatsConnectMode = 'link' | 'daemon' | 'once';

/** The servers of a comma-separated NATS_URL. */
export function natsServers(natsUrl: string): string[] {
  return natsUrl
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** The one place a NATS connection is made: servers, credentials and reconnect policy. */
export function connectNats(target: NatsTarget, mode: NatsConnectMode): Promise<NatsConnection> {
  return connect(natsConnectOptions(target, mode));
}

function natsConnectOptions(target: NatsTarget, mode: NatsConnectMode): ConnectionOptions {
  const { credsFile } = target;
  return {
    servers: natsServers(target.natsUrl),
    ...(target.name === undefined ? {} : { name: target.name }),
    // The client's default captures a stack per request: too dear per event.
    noAsyncTraces: true,
    ...(mode === 'once'
      ? { reconnect: false, timeout: 5000 }
      : {
          reconnect: true,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 500,
          pingInterval: 10_000,
        }),
    // A daemon outlives NATS restarts, start-up included; a link retries the first connect itself.
    ...(mode === 'daemon' ? { waitOnFirstConnect: true } : {}),
    ...(mode === 'link' ? { timeout: 5000 } : {}),
    // Read at every (re)connect, so rotated credentials are picked up.
    ...(credsFile === undefined
      ? {}
      : { authenticator: credsAuthenticator(() => readFileSync(credsFile)) }),
  };
}
