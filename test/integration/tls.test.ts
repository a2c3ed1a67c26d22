import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { call, connect, type ConnectOptions, type Connection } from '../../src/client/index.js';
import {
  Distance,
  Tenancy,
  type ListCollectionsResponse,
} from '../../src/gen/vectoradmin/v1/vectoradmin.js';
import { createTestPki, type TestPki } from '../helpers/test-certificates.js';
import {
  ADMIN_KEY,
  startTestStack,
  uniqueName,
  uniqueTable,
  type TestStack,
} from '../helpers/vector-admin-stack.js';

// A refused handshake fails fast with UNAVAILABLE; the deadline only bounds a hang.
const CALL_TIMEOUT_MS = 5000;

describe('tls', () => {
  const tenant = uniqueName('tls');
  const connections: Connection[] = [];
  let pki: TestPki;
  let tlsOnly: TestStack;
  let mutual: TestStack;

  before(async () => {
    pki = await createTestPki();
    const serverEnv = {
      VECTORADMIN_TLS_CERT: pki.server.certFile,
      VECTORADMIN_TLS_KEY: pki.server.keyFile,
    };
    tlsOnly = await startTestStack({ tenants: [tenant], env: serverEnv });
    mutual = await startTestStack({
      tenants: [tenant],
      env: { ...serverEnv, VECTORADMIN_TLS_CA: pki.ca.certFile },
    });
  });

  after(async () => {
    for (const c of connections) c.close();
    await tlsOnly[Symbol.asyncDispose]();
    await mutual[Symbol.asyncDispose]();
    await pki[Symbol.asyncDispose]();
  });

  function client(address: string, tls?: ConnectOptions['tls']): Connection {
    const c = connect({ address, apiKey: ADMIN_KEY, ...(tls === undefined ? {} : { tls }) });
    connections.push(c);
    return c;
  }

  function list(connection: Connection): Promise<ListCollectionsResponse> {
    const raw = connection.raw;
    return call(connection, raw.listCollections.bind(raw), { tenantId: tenant }, CALL_TIMEOUT_MS);
  }

  async function assertRefused(connection: Connection): Promise<void> {
    const err = await list(connection).then(
      () => assert.fail('expected the call to be refused'),
      (e: ServiceError) => e,
    );
    assert.equal(err.code, status.UNAVAILABLE, `got ${status[err.code]}: ${err.details}`);
  }

  test('tls - a client trusting the CA creates and lists collections', async () => {
    const c = client(tlsOnly.address, { caFile: pki.ca.certFile });
    const table = uniqueTable('tls');
    const raw = c.raw;
    await call(c, raw.createCollection.bind(raw), {
      tenantId: tenant,
      table,
      config: {
        vectorSize: 4,
        distance: Distance.DISTANCE_COSINE,
        tenancy: Tenancy.TENANCY_UNSPECIFIED,
      },
    });
    const listed = await list(c);
    assert.ok(
      listed.collections.some((col) => col.table === table),
      'the collection created over TLS is listed',
    );
  });

  test('tls - a plaintext client cannot call a TLS server', async () => {
    await assertRefused(client(tlsOnly.address));
  });

  test('tls - a client that does not trust the server CA is refused', async () => {
    await assertRefused(client(tlsOnly.address, { caFile: pki.otherCa.certFile }));
  });

  test('mtls - a client certificate signed by the CA is accepted', async () => {
    const c = client(mutual.address, { caFile: pki.ca.certFile, ...pki.client });
    assert.ok(Array.isArray((await list(c)).collections));
  });

  test('mtls - a client without a certificate is refused', async () => {
    await assertRefused(client(mutual.address, { caFile: pki.ca.certFile }));
  });

  test('mtls - a client certificate signed by another CA is refused', async () => {
    await assertRefused(client(mutual.address, { caFile: pki.ca.certFile, ...pki.otherClient }));
  });

  test('mtls - a plaintext client is refused', async () => {
    await assertRefused(client(mutual.address));
  });
});
