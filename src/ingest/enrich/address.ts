/**
 * IP addresses: which one a message is about, whether the sender asked us not to keep it,
 * and whether it can say anything about where a person is.
 */
import { BlockList, isIP } from 'node:net';

export interface PublicAddress {
  /** Normalised: trimmed, lower case, an IPv4-mapped IPv6 address unwrapped to IPv4. */
  address: string;
  family: 4 | 6;
}

/**
 * Ranges that are not somebody's place on the Internet: private networks, loopback,
 * link-local, carrier-grade NAT, documentation, benchmarking, multicast and reserved space
 * (IANA special-purpose registries). An address in them is a proxy, a container network
 * or a developer's machine; it would overwrite a useful `ip` trait and has no location.
 */
const NOT_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NOT_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

const IPV4_MAPPED = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/;

/** A syntactically valid IP address, normalised; `undefined` for anything else. */
export function parseAddress(raw: unknown): PublicAddress | undefined {
  if (typeof raw !== 'string' || raw.length > 64) return undefined;
  const candidate = raw.trim().toLowerCase();
  // Node reports a client connected over a dual-stack socket as ::ffff:a.b.c.d.
  const address = IPV4_MAPPED.exec(candidate)?.[1] ?? candidate;
  const family = isIP(address);
  return family === 4 || family === 6 ? { address, family } : undefined;
}

export function isPublic({ address, family }: PublicAddress): boolean {
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The "unspecified" addresses a sender puts in `context.ip` to say "do not record my IP". */
const WITHHELD_IPS: ReadonlySet<unknown> = new Set(['0.0.0.0', '::', 0]);

/**
 * Whether the message asks us not to store or locate its IP address. The conventions:
 * - `context.ip` set to "0.0.0.0" (or "::"): the placeholder senders put in Segment's
 *   `context.ip` so the collecting server does not fill in the connection's address; or the
 *   number 0, Mixpanel's "do not geolocate" value, which some server libraries send;
 * - `context.ipAnonymized: true`, for senders that masked or dropped the address themselves;
 * - `integrations.Itinera.anonymizeIp: true`, a per-destination option in the shape of
 *   Segment's `integrations` object, named after Google Analytics' `anonymizeIp`.
 * Any of them means: no `ip` trait, no geo traits, and no falling back to the request's
 * remote address.
 */
export function ipWithheld(context: Record<string, unknown>, integrations: Record<string, unknown> | undefined): boolean {
  const ip = typeof context.ip === 'string' ? context.ip.trim() : context.ip;
  if (WITHHELD_IPS.has(ip)) return true;
  if (context.ipAnonymized === true) return true;
  const ours = integrations?.Itinera;
  return typeof ours === 'object' && ours !== null && 'anonymizeIp' in ours && ours.anonymizeIp === true;
}

/**
 * Server-side libraries send from a server: the connection's address is the data centre,
 * not the person. Segment fills `context.ip` from the connection for client-side sources
 * only; we tell server libraries by `context.library.name` (RudderStack's server SDKs
 * reuse Segment's names) or by RudderStack's `channel: "server"`.
 */
const SERVER_LIBRARY = /^(@segment\/analytics-node|@rudderstack\/rudder-sdk-node|analytics-(node|python|ruby|go|java|php))$/i;

function sentFromServer(context: Record<string, unknown>, channel: unknown): boolean {
  if (channel === 'server') return true;
  const library = context.library;
  if (typeof library !== 'object' || library === null || !('name' in library)) return false;
  return typeof library.name === 'string' && SERVER_LIBRARY.test(library.name);
}

/**
 * The person's public address: `context.ip` when it is a valid address, otherwise the
 * request's remote address (unless a server library sent the message). A valid but
 * non-public `context.ip` yields nothing rather than the remote address: the sender told
 * us the person's address, and the connection's would be someone else's.
 */
export function personAddress(
  context: Record<string, unknown>,
  integrations: Record<string, unknown> | undefined,
  channel: unknown,
  remoteAddress: string | undefined,
): PublicAddress | undefined {
  if (ipWithheld(context, integrations)) return undefined;
  const stated = parseAddress(context.ip);
  if (stated !== undefined) return isPublic(stated) ? stated : undefined;
  if (sentFromServer(context, channel)) return undefined;
  const remote = parseAddress(remoteAddress);
  return remote !== undefined && isPublic(remote) ? remote : undefined;
}
