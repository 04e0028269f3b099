// Value checks of environment fields whose consumer is not a construct: the SMTP client, the
// NetworkPolicy egress rule, the wrong-cluster guard. Each returns undefined when the value is
// fine, else what is wrong.
import { isIPv4 } from 'node:net';
import { checkPort, isSloppyIPv4 } from '../core/value-rules';

/** Replica counts are int32 in the Kubernetes API. */
export const INT32_MAX = 2 ** 31 - 1;

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * A host a client connects to by name or address (the SMTP relay): a lower-case DNS name (one
 * label is enough inside the cluster) or an IPv4 address in plain dotted form. Not a URL, no port.
 */
export function checkConnectHost(value: string): string | undefined {
  const problem =
    'must be a host: a lower-case DNS name such as smtp.example.com or mailpit.mailpit.svc.cluster.local, or an IPv4 address such as 10.0.0.25 (no scheme, no port, no path)';
  if (isIPv4(value)) return undefined;
  if (isSloppyIPv4(value)) return `${problem}; '${value}' has leading zeros, which some resolvers read as octal`;
  const ok = value.length <= 253 && DNS_SUBDOMAIN.test(value) && value.split('.').every((p) => p.length <= 63);
  return ok ? undefined : problem;
}

/**
 * An IPv4 CIDR in the canonical form the API server's strict validation asks for (and warns
 * about today): no bits set past the prefix, no leading zeros.
 */
export function checkCanonicalCidrV4(value: string): string | undefined {
  const problem = 'must be an IPv4 CIDR such as 10.0.0.0/8 or 0.0.0.0/0, with no bits set past the prefix length';
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  if (!m || !isIPv4(`${m[1]}.${m[2]}.${m[3]}.${m[4]}`) || !/^(0|[1-9][0-9]?)$/.test(m[5]) || Number(m[5]) > 32) return problem;
  const address = m.slice(1, 5).reduce((a, o) => a * 256 + Number(o), 0);
  const size = 2 ** (32 - Number(m[5]));
  if (address % size !== 0) {
    const base = address - (address % size);
    const canonical = [24, 16, 8, 0].map((shift) => Math.floor(base / 2 ** shift) % 256).join('.');
    return `${problem}: did you mean ${canonical}/${m[5]}?`;
  }
  return undefined;
}

/** The API server URL of a kubeconfig cluster: http(s), a host, a port 1-65535 if any, nothing else. */
export function checkServerUrl(value: string): string | undefined {
  const problem = 'must be an https:// (or http://) URL of an API server, such as https://127.0.0.1:6443, with no user, query or fragment';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return problem;
  }
  if (!['https:', 'http:'].includes(url.protocol) || url.hostname === '' || url.username !== '' || url.password !== '') return problem;
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) return problem;
  if (url.port !== '' && checkPort(Number(url.port)) !== undefined) return `${problem} (port 1-65535)`;
  if (/^[a-z]+:\/\/[^/]*:0+(\/|$)/i.test(value)) return `${problem} (port 1-65535)`;
  return undefined;
}
