import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its private key, as PEM file paths. */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/**
 * A throwaway PKI in a temp dir: a CA with a server certificate (SAN 127.0.0.1 and localhost)
 * and a client certificate, plus a second, unrelated CA with a client certificate of its own.
 */
export interface TestPki extends AsyncDisposable {
  readonly dir: string;
  readonly ca: CertFiles;
  readonly server: CertFiles;
  readonly client: CertFiles;
  readonly otherCa: CertFiles;
  readonly otherClient: CertFiles;
}

/** Makes a TestPki with the openssl CLI (P-256 keys, valid for a day); removed on dispose. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vectoradmin-pki-'));
  try {
    const ca = await selfSignedCa(dir, 'ca');
    const otherCa = await selfSignedCa(dir, 'other-ca');
    // The server certificate also allows clientAuth: the compose health probe presents it
    // as its client certificate when the server demands one (docker-compose.yml).
    const server = await signed(dir, 'server', ca, [
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      'extendedKeyUsage=serverAuth,clientAuth',
    ]);
    const client = await signed(dir, 'client', ca, ['extendedKeyUsage=clientAuth']);
    const otherClient = await signed(dir, 'other-client', otherCa, ['extendedKeyUsage=clientAuth']);
    return {
      dir,
      ca,
      server,
      client,
      otherCa,
      otherClient,
      [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new Error('openssl not found on PATH: install it (apt-get install openssl)', {
        cause: err,
      });
    }
    throw err;
  }
}

const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

async function selfSignedCa(dir: string, name: string): Promise<CertFiles> {
  const files = filesOf(dir, name);
  await openssl([
    'req',
    '-x509',
    ...KEY_ARGS,
    '-keyout',
    files.keyFile,
    '-out',
    files.certFile,
    '-days',
    '1',
    '-subj',
    `/CN=VectorAdmin test ${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return files;
}

async function signed(
  dir: string,
  name: string,
  ca: CertFiles,
  extensions: readonly string[],
): Promise<CertFiles> {
  const files = filesOf(dir, name);
  const csr = path.join(dir, `${name}.csr`);
  const ext = path.join(dir, `${name}.ext`);
  await writeFile(ext, `${['basicConstraints=CA:FALSE', ...extensions].join('\n')}\n`);
  await openssl([
    'req',
    ...KEY_ARGS,
    '-keyout',
    files.keyFile,
    '-out',
    csr,
    '-subj',
    `/CN=${name}`,
  ]);
  await openssl([
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-days',
    '1',
    '-extfile',
    ext,
    '-out',
    files.certFile,
  ]);
  return files;
}

function filesOf(dir: string, name: string): CertFiles {
  return { certFile: path.join(dir, `${name}.crt`), keyFile: path.join(dir, `${name}.key`) };
}
