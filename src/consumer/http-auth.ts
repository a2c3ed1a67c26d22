import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '../config/index.js';

/** Who may read an HTTP endpoint: anyone (undefined), or a caller presenting one of these. */
export type HttpCredentials = readonly string[] | undefined;

/** The credentials configured for the consumer's HTTP endpoints. */
export interface HttpAuthSettings {
  /** VECTORADMIN_HTTP_TOKEN: a read token for the dashboard and /metrics. */
  readonly httpToken?: string;
  /** VECTORADMIN_ADMIN_KEY, accepted too. */
  readonly adminKey?: string;
}

/**
 * The credentials an endpoint on `address` requires. The dashboard and /metrics list every
 * tenant, collection and alert text (issue 17, item 10): open on loopback, where only this
 * host reaches them, unless a token is set; anywhere else a credential is required, and none
 * configured is a configuration error rather than an open endpoint.
 */
export function httpCredentials(
  variable: string,
  address: string,
  settings: HttpAuthSettings,
): HttpCredentials {
  const accepted = [settings.httpToken, settings.adminKey].filter(
    (c): c is string => c !== undefined,
  );
  if (settings.httpToken === undefined && isLoopback(address)) return undefined;
  if (accepted.length === 0) {
    throw new ConfigError([
      `${variable}=${address} is not a loopback address: set VECTORADMIN_HTTP_TOKEN (or VECTORADMIN_ADMIN_KEY) so that the dashboard and /metrics require it`,
    ]);
  }
  return accepted;
}

/**
 * Lets the request through (true) or answers 401. Accepts `Authorization: Bearer <token>`
 * (Prometheus, curl) and HTTP Basic with the token as password (browsers, whose EventSource
 * cannot set headers but repeats the credentials the page was opened with).
 */
export function authorize(
  req: IncomingMessage,
  res: ServerResponse,
  credentials: HttpCredentials,
): boolean {
  if (credentials === undefined) return true;
  const presented = presentedCredential(req.headers.authorization);
  if (presented !== undefined && credentials.some((c) => sameSecret(c, presented))) return true;
  res
    .writeHead(401, {
      'www-authenticate': 'Bearer realm="vectoradmin", Basic realm="vectoradmin", charset="UTF-8"',
      'content-type': 'text/plain; charset=utf-8',
    })
    .end('a credential is required: Authorization: Bearer <VECTORADMIN_HTTP_TOKEN>\n');
  return false;
}

function presentedCredential(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const space = header.indexOf(' ');
  if (space < 0) return undefined;
  const scheme = header.slice(0, space).toLowerCase();
  const value = header.slice(space + 1).trim();
  if (scheme === 'bearer') return value;
  if (scheme !== 'basic') return undefined;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

// Hashes first: equal lengths for timingSafeEqual, so the time taken says nothing of the secret.
function sameSecret(expected: string, presented: string): boolean {
  const digest = (s: string): Buffer => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(expected), digest(presented));
}

function isLoopback(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1');
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}
