import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { lookup as dnsLookupAsync } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { InvalidInputError } from '../errors';

/**
 * Which S3 endpoints a platform may send signed requests to on behalf of its users. A user who sets a datasource
 * chooses its endpoint, so without a policy any token holder could make the server probe (and read from) services
 * on its own network. Plain data, so it travels with S3Settings into transfer threads.
 */
export interface S3EndpointPolicy {
  /**
   * Endpoints the operator allows besides AWS: `host`, `host:port`, an IP (`127.0.0.1:9000`, `[::1]:9000`), a
   * URL (`http://minio:9000`) or a CIDR range of resolved addresses (`10.20.0.0/16`).
   */
  allow: string[];
}

/** The environment variable operators list extra endpoints in (comma-separated). */
export const S3_ENDPOINT_ALLOW_ENV = 'WINNOW_S3_ENDPOINT_ALLOW';

const AWS_HOST = /(^|\.)amazonaws\.com(\.cn)?$/i;

// Addresses a server must not reach on a user's say-so: loopback, private, link-local (cloud metadata at
// 169.254.169.254), carrier-grade NAT, unspecified, multicast and reserved ranges.
const INTERNAL = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) INTERNAL.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) INTERNAL.addSubnet(net, prefix, 'ipv6');

/**
 * The policy of `allow` plus the entries of WINNOW_S3_ENDPOINT_ALLOW.
 *
 * @example s3EndpointPolicy(['127.0.0.1:9000']) // → { allow: ['127.0.0.1:9000', …entries of WINNOW_S3_ENDPOINT_ALLOW] }
 */
export function s3EndpointPolicy(allow: string[] = [], env: NodeJS.ProcessEnv = process.env): S3EndpointPolicy {
  const fromEnv = (env[S3_ENDPOINT_ALLOW_ENV] ?? '').split(',');
  return { allow: [...allow, ...fromEnv].map((entry) => entry.trim()).filter((entry) => entry !== '') };
}

interface Entry {
  host?: string;
  port?: string;
  cidr?: BlockList;
}

function parseEntry(text: string): Entry {
  const cidr = /^([0-9a-f:.]+)\/(\d{1,3})$/i.exec(text);
  if (cidr && isIP(cidr[1]) !== 0) {
    const list = new BlockList();
    list.addSubnet(cidr[1], Number(cidr[2]), isIP(cidr[1]) === 6 ? 'ipv6' : 'ipv4');
    return { cidr: list };
  }
  try {
    const url = new URL(text.includes('://') ? text : `http://${text}`);
    return { host: bare(url.hostname), port: url.port === '' ? undefined : url.port };
  } catch {
    return {};
  }
}

function bare(hostname: string): string {
  return hostname.replace(/^\[|\]$/g, '').toLowerCase();
}

function isInternalAddress(address: string, entries: Entry[]): boolean {
  const family = isIP(address);
  if (family === 0) return true;
  // IPv4-mapped IPv6 (::ffff:127.0.0.1) is the IPv4 address.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const [addr, type] = mapped ? [mapped[1], 'ipv4' as const] : [address, family === 6 ? ('ipv6' as const) : ('ipv4' as const)];
  if (entries.some((e) => e.cidr?.check(addr, type))) return false;
  return INTERNAL.check(addr, type);
}

function listedHost(hostname: string, port: string, entries: Entry[]): boolean {
  return entries.some((e) => e.host === hostname && (e.port === undefined || e.port === port));
}

function refuse(endpoint: string, problem: string): never {
  throw new InvalidInputError(
    { file: 'body', column: 's3Endpoint' },
    `S3 endpoint ${JSON.stringify(endpoint)} is not allowed: ${problem}. AWS endpoints are allowed; others only when the operator lists them in ${S3_ENDPOINT_ALLOW_ENV} or \`winnow serve --s3-endpoint-allow\``,
    'S3_ENDPOINT_NOT_ALLOWED',
  );
}

/**
 * Throws InvalidInputError (code S3_ENDPOINT_NOT_ALLOWED, field `s3Endpoint`) unless the policy allows `endpoint`:
 * no endpoint (AWS) or an `*.amazonaws.com` host is allowed; any other host only when listed. Hosts not listed by
 * name must resolve to public addresses only (checked here, and again on every connection by guardedLookup).
 *
 * @example await assertS3EndpointAllowed('http://127.0.0.1:9000', s3EndpointPolicy([]))
 * // throws: body (column "s3Endpoint"): S3 endpoint "http://127.0.0.1:9000" is not allowed: …
 */
export async function assertS3EndpointAllowed(endpoint: string | undefined, policy: S3EndpointPolicy): Promise<void> {
  if (endpoint === undefined || endpoint === '') return;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return refuse(endpoint, 'it is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') refuse(endpoint, `${url.protocol} is not http or https`);
  if (url.username !== '' || url.password !== '') refuse(endpoint, 'it carries a user name or password');
  const entries = policy.allow.map(parseEntry);
  const hostname = bare(url.hostname);
  const port = url.port === '' ? (url.protocol === 'https:' ? '443' : '80') : url.port;
  if (listedHost(hostname, port, entries) || listedHost(hostname, url.port, entries)) return;
  const literal = isIP(hostname) !== 0;
  if (!literal && !AWS_HOST.test(hostname) && !entries.some((e) => e.cidr)) refuse(endpoint, 'the host is not listed');
  let addresses: LookupAddress[];
  try {
    addresses = literal ? [{ address: hostname, family: isIP(hostname) }] : await dnsLookupAsync(hostname, { all: true });
  } catch {
    return refuse(endpoint, 'the host name does not resolve');
  }
  const internal = addresses.find((a) => isInternalAddress(a.address, entries));
  if (internal) refuse(endpoint, `it resolves to ${internal.address}, a loopback, private or link-local address`);
  // A public address reached through a listed CIDR range is what the operator allowed; any other non-AWS host is not.
  if (!AWS_HOST.test(hostname) && !addresses.every((a) => entries.some((e) => e.cidr?.check(a.address, a.family === 6 ? 'ipv6' : 'ipv4')))) {
    refuse(endpoint, 'the host is not listed');
  }
}

/**
 * A `lookup` for HTTP agents that refuses, at connection time, any host not listed by name that resolves to an
 * internal address — so neither DNS rebinding after the check nor a redirect to another host reaches one.
 */
export function guardedLookup(policy: S3EndpointPolicy): LookupFunction {
  const entries = policy.allow.map(parseEntry);
  return (hostname, options, callback) => {
    if (entries.some((e) => e.host === bare(hostname))) {
      dnsLookup(hostname, options, callback);
      return;
    }
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      const internal = list.find((a) => isInternalAddress(a.address, entries));
      if (internal) {
        const refused = Object.assign(new Error(`S3 endpoint ${hostname} resolves to ${internal.address}, which the endpoint policy refuses`), {
          code: 'S3_ENDPOINT_NOT_ALLOWED',
        });
        return callback(refused, '', 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, list);
      return callback(null, list[0].address, list[0].family);
    });
  };
}
