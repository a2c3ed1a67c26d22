/** A `host:port` address split in two; `host` keeps IPv6 brackets (`[::1]`) as written. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** The one `host:port` parser (the schema has already checked the shape of configured ones). */
export function splitHostPort(address: string): HostPort {
  const cut = address.lastIndexOf(':');
  return { host: address.slice(0, cut), port: Number(address.slice(cut + 1)) };
}

/** The host as a socket API wants it: IPv6 without its brackets. */
export function bareHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1');
}
