import { credentials, loadPackageDefinition, type Client, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { protoPath } from 'grpc-health-check';
import type { Connection } from '../../src/client/index.js';
import { waitFor } from './wait-for.js';

type HealthClient = Client & {
  check(
    request: { service: string },
    callback: (err: ServiceError | null, res: { status: string }) => void,
  ): void;
};

/** Polls the standard health service until `service` reports `expected`; returns what it reported. */
export async function waitForHealth(
  connection: Connection,
  service: string,
  expected: 'SERVING' | 'NOT_SERVING',
): Promise<string> {
  const definition = loadPackageDefinition(loadSync(protoPath, { enums: String })) as unknown as {
    grpc: {
      health: {
        v1: {
          Health: new (
            address: string,
            creds: ReturnType<typeof credentials.createInsecure>,
          ) => HealthClient;
        };
      };
    };
  };
  const address = connection.raw.getChannel().getTarget().replace(/^dns:/, '');
  const client = new definition.grpc.health.v1.Health(address, credentials.createInsecure());
  try {
    const check = () =>
      new Promise<string>((resolve, reject) =>
        client.check({ service }, (err, res) => (err ? reject(err) : resolve(res.status))),
      );
    // The server probes every few seconds: a change shows at the next probe.
    return await waitFor(async () => ((await check()) === expected ? expected : undefined), {
      timeoutMs: 10_000,
      reason: `health of ${service} to be ${expected}`,
    });
  } finally {
    client.close();
  }
}
