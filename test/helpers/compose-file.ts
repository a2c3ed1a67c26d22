import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';

/** The repository root, where docker-compose.yml and the Dockerfile live. */
export const REPO_ROOT = new URL('../../', import.meta.url);

const duration = z.string().regex(/^(\d+(ms|s|m|h))+$/, 'a duration such as 10s or 1m30s');

// The subset of the compose specification the project's file uses; `strict` turns a misspelt
// key (which Docker Compose would reject) into a test failure here.
const healthcheckSchema = z.strictObject({
  test: z.array(z.string()).min(2),
  interval: duration,
  timeout: duration,
  retries: z.number().int().positive(),
  start_period: duration.optional(),
});

const serviceSchema = z.strictObject({
  image: z.string().min(1),
  build: z.strictObject({ context: z.string(), dockerfile: z.string() }).optional(),
  command: z.array(z.string()).optional(),
  entrypoint: z.array(z.string()).optional(),
  restart: z.enum(['no', 'always', 'on-failure', 'unless-stopped']).optional(),
  environment: z.record(z.string(), z.string()).optional(),
  ports: z.array(z.string()).optional(),
  volumes: z.array(z.string()).optional(),
  depends_on: z
    .record(
      z.string(),
      z.strictObject({
        condition: z.enum(['service_started', 'service_healthy', 'service_completed_successfully']),
      }),
    )
    .optional(),
  stop_grace_period: duration.optional(),
  healthcheck: healthcheckSchema.optional(),
});

const composeSchema = z.strictObject({
  name: z.string(),
  services: z.record(z.string(), serviceSchema),
  volumes: z.record(z.string(), z.null()).optional(),
});

/** A parsed, interpolated docker-compose.yml. */
export type ComposeFile = z.infer<typeof composeSchema>;
/** One service of a ComposeFile. */
export type ComposeService = ComposeFile['services'][string];

/** Thrown for `${VAR:?message}` without a value, or a `$` Compose would not accept. */
export class InterpolationError extends Error {
  override readonly name = 'InterpolationError';
}

const TOKEN =
  /\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*)|(.|$))/g;

/**
 * Substitutes variables the way Docker Compose does in values: `$$` is a literal `$`,
 * `${VAR}` / `$VAR`, `${VAR:-default}` / `${VAR-default}`, `${VAR:?err}` / `${VAR?err}`,
 * `${VAR:+alt}` / `${VAR+alt}`. `env` plays the shell environment plus the `.env` file.
 */
export function interpolate(value: string, env: Readonly<Record<string, string>>): string {
  return value.replace(
    TOKEN,
    (whole, dollar: string, braced: string, op: string, arg: string, bare: string, bad) => {
      if (dollar !== undefined) return '$';
      if (bad !== undefined) throw new InterpolationError(`invalid interpolation: "${whole}"`);
      const name = braced ?? bare;
      const raw = env[name];
      const unsetOrEmpty = raw === undefined || raw === '';
      switch (op) {
        case ':-':
          return unsetOrEmpty ? arg : raw;
        case '-':
          return raw ?? arg;
        case ':?':
        case '?':
          if (op === ':?' ? unsetOrEmpty : raw === undefined)
            throw new InterpolationError(`${name}: ${arg || 'required'}`);
          return raw ?? '';
        case ':+':
          return unsetOrEmpty ? '' : arg;
        case '+':
          return raw === undefined ? '' : arg;
        default:
          return raw ?? '';
      }
    },
  );
}

function interpolateAll(node: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof node === 'string') return interpolate(node, env);
  if (Array.isArray(node)) return node.map((n) => interpolateAll(n, env));
  if (node !== null && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v, env)]));
  }
  return node;
}

/** Reads docker-compose.yml, interpolates it with `env` (no `.env` by default) and validates it. */
export function loadComposeFile(env: Readonly<Record<string, string>> = {}): ComposeFile {
  const text = readFileSync(new URL('docker-compose.yml', REPO_ROOT), 'utf8');
  return composeSchema.parse(interpolateAll(parse(text), env));
}

/** A published port: `[host_ip:]host_port:container_port`, or a bare container port. */
export interface PortMapping {
  readonly hostIp?: string;
  readonly hostPort?: number;
  readonly containerPort: number;
}

/** The service's port mappings. */
export function portMappings(service: ComposeService): PortMapping[] {
  return (service.ports ?? []).map((spec) => {
    const parts = spec.split(':');
    const containerPort = Number(parts.at(-1));
    if (parts.length === 1) return { containerPort };
    const hostPort = Number(parts.at(-2));
    return parts.length === 3
      ? { hostIp: parts[0]!, hostPort, containerPort }
      : { hostPort, containerPort };
  });
}

/** The service's named-volume mounts (`name:/path[:mode]`); bind mounts are left out. */
export function namedVolumeMounts(service: ComposeService): { volume: string; target: string }[] {
  return (service.volumes ?? [])
    .map((spec) => spec.split(':'))
    .filter(([source]) => source !== undefined && !/^[./~]/.test(source))
    .map(([volume, target]) => ({ volume: volume!, target: target ?? '' }));
}

/** A compose duration in milliseconds. */
export function durationMs(value: string): number {
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;
  let total = 0;
  for (const [, n, u] of value.matchAll(/(\d+)(ms|s|m|h)/g))
    total += Number(n) * unit[u as keyof typeof unit];
  return total;
}

/** `host:port` split at the last colon. */
export function splitHostPort(address: string): { host: string; port: number } {
  const cut = address.lastIndexOf(':');
  return { host: address.slice(0, cut), port: Number(address.slice(cut + 1)) };
}
