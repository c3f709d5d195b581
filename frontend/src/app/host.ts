/** Where the app runs: the bare base host (signup) or a tenant's subdomain. */
export type Site =
  | { kind: 'base'; baseHost: string }
  | { kind: 'tenant'; subdomain: string; baseHost: string };

const BASE_LABELS = new Set(['www']);

function isIpAddress(hostname: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(hostname) || hostname.includes(':');
}

/**
 * Reads the tenant from a `host` (`hostname[:port]`) the way the API does: the first label
 * under the base domain. The base domain is `VITE_BASE_DOMAIN` when the build sets it, else
 * `localhost` for local hosts and the last two labels elsewhere (`taskflow.example`).
 */
export function siteOf(host: string, baseDomain: string | undefined = import.meta.env.VITE_BASE_DOMAIN): Site {
  const [hostname, port] = splitHost(host.toLowerCase());
  const withPort = (name: string) => (port ? `${name}:${port}` : name);
  if (isIpAddress(hostname)) return { kind: 'base', baseHost: withPort(hostname) };
  const labels = hostname.split('.').filter(Boolean);
  const base = baseDomain?.toLowerCase();
  let baseLabels: number;
  if (base) {
    baseLabels = base.split('.').length;
    if (!hostname.endsWith(base)) return { kind: 'base', baseHost: withPort(hostname) };
  } else {
    baseLabels = labels[labels.length - 1] === 'localhost' ? 1 : Math.min(2, labels.length);
  }
  const baseHost = withPort(labels.slice(-baseLabels).join('.'));
  const sub = labels.slice(0, -baseLabels);
  if (sub.length === 0 || (sub.length === 1 && BASE_LABELS.has(sub[0]))) {
    return { kind: 'base', baseHost };
  }
  return { kind: 'tenant', subdomain: sub[0], baseHost };
}

function splitHost(host: string): [string, string | undefined] {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return [host.slice(1, end), host.slice(end + 2) || undefined];
  }
  const [hostname, port] = host.split(':');
  return [hostname, port];
}

/** The address of `path` on a tenant's subdomain, from anywhere under the same base. */
export function tenantUrl(subdomain: string, baseHost: string, path = '/', protocol = window.location.protocol): string {
  return `${protocol}//${subdomain}.${baseHost}${path}`;
}

export function baseUrl(baseHost: string, path = '/', protocol = window.location.protocol): string {
  return `${protocol}//${baseHost}${path}`;
}

export const SUBDOMAIN_PATTERN = /^[a-z0-9](-?[a-z0-9])*$/;
