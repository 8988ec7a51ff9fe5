/**
 * Profile traits derived from an incoming message, the way CDPs conventionally derive them
 * (Segment's context fields, RudderStack's and Dittofeed's computed traits):
 *
 *   device_type, os, os_version, browser, browser_version   from context.userAgent
 *   browser_language                                        from context.locale
 *   timezone                                                from context.timezone (IANA only)
 *   ip                                                      context.ip, else the remote address
 *   country, region, city                                   from that IP (DB-IP Lite)
 *   current_url, referrer                                   from context.page / page properties
 *
 * The result is a flat `Record<string, string>` to `$set` on the profile, holding only the
 * keys that have a value. Enrichment is pure apart from the geo-IP readers loaded once by
 * `createEnricher`: no database and no logging, so no IP address or user agent can reach a
 * log from here. Privacy: see `ipWithheld` in ./enrich/address.ts.
 */
import { personAddress } from './enrich/address.js';
import { browserLanguage, pageTraits, timeZone } from './enrich/context-fields.js';
import { loadGeoIp, type GeoIp, type GeoIpFiles } from './enrich/geoip.js';
import { userAgentTraits } from './enrich/user-agent.js';

export type { GeoIp, GeoIpFiles, GeoIpLoad, GeoLocation } from './enrich/geoip.js';
export { defaultGeoIpFiles, loadGeoIp } from './enrich/geoip.js';

/** The parts of a Segment message enrichment reads; every `SegmentMessage` fits. */
export interface EnrichableMessage {
  type?: string;
  context?: Record<string, unknown>;
  properties?: Record<string, unknown>;
  integrations?: Record<string, unknown>;
  /** RudderStack's "server" | "web" | "mobile" | "sources", when the sender kept it. */
  channel?: unknown;
}

export interface RequestFacts {
  /**
   * The client's address as the HTTP layer sees it (after trusted proxies), used when the
   * message has no `context.ip`. Leave it out for sources that are servers.
   */
  remoteAddress?: string;
}

export type EnrichedTraits = Record<string, string>;

/** Traits from one message; `geoIp` absent means no country, region or city. */
export function enrichMessage(message: EnrichableMessage, request: RequestFacts = {}, geoIp?: GeoIp): EnrichedTraits {
  const context = message.context ?? {};
  const traits: EnrichedTraits = {};
  assign(traits, userAgentTraits(context));
  if (typeof context.locale === 'string') assign(traits, { browser_language: browserLanguage(context.locale) });
  if (typeof context.timezone === 'string') assign(traits, { timezone: timeZone(context.timezone) });
  assign(traits, pageTraits(message.type, context, message.properties));
  const address = personAddress(context, message.integrations, message.channel, request.remoteAddress);
  if (address !== undefined) {
    traits.ip = address.address;
    const location = geoIp?.locate(address);
    if (location !== undefined) assign(traits, location);
  }
  return traits;
}

/** Copies the string-valued keys: an absent trait is left out, never stored as undefined. */
function assign(traits: EnrichedTraits, values: object): void {
  for (const [key, value] of Object.entries(values)) if (typeof value === 'string') traits[key] = value;
}

export interface Enricher {
  /** Synchronous and never throws: safe on the ingestion hot path. */
  enrich(message: EnrichableMessage, request?: RequestFacts): EnrichedTraits;
  /** Whether country, region and city can be derived, and if not fully, why. */
  readonly geoIp: { available: boolean; problems: readonly string[] };
}

export interface EnricherOptions {
  /** Where the DB-IP files are; the installed package's by default; `false` for no geo traits. */
  geoIpFiles?: GeoIpFiles | false;
  /** Told once per problem found while loading the geo-IP database (e.g. a missing file). */
  onGeoIpProblem?: (problem: string) => void;
}

/**
 * Loads the geo-IP readers (once per process, on the first call) and returns the enricher.
 * Resolves even when the database cannot be read: enrichment then omits geo traits.
 */
export async function createEnricher(options: EnricherOptions = {}): Promise<Enricher> {
  const { geoIp, problems } = options.geoIpFiles === false ? { geoIp: undefined, problems: [] } : await loadGeoIp(options.geoIpFiles);
  for (const problem of problems) options.onGeoIpProblem?.(problem);
  return {
    enrich: (message, request) => enrichMessage(message, request, geoIp),
    geoIp: { available: geoIp !== undefined, problems },
  };
}
