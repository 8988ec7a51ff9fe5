/**
 * Traits read straight from Segment's `context`: language, time zone, the page the person
 * is on and where they came from. Each is validated, because a trait set here is what
 * segments and journeys compare against, and a malformed value would never match.
 */
import { memoise } from './memo.js';

/**
 * `context.locale` ("pl-PL", or "en_US" from some mobile SDKs) as a canonical BCP 47 tag
 * ("en-US"), or nothing when Intl does not accept it.
 */
export const browserLanguage = memoise((locale: string): string | undefined => {
  if (locale.length > 35) return undefined; // BCP 47's advised maximum length of a tag
  try {
    return Intl.getCanonicalLocales(locale.trim().replaceAll('_', '-'))[0];
  } catch {
    return undefined;
  }
}, 500);

/** An IANA name, not an offset: letters, digits, "/", "_", "+", "-", starting with a letter. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/;

/**
 * `context.timezone` when it is a time zone Intl knows ("Europe/Warsaw", "UTC"), in the
 * case Intl spells it; the sender's own name is kept when Intl resolves it to another
 * ("EST" stays "EST" rather than becoming "America/Panama").
 */
export const timeZone = memoise((zone: string): string | undefined => {
  if (!ZONE_NAME.test(zone)) return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === zone.toLowerCase() ? resolved : zone;
  } catch {
    return undefined;
  }
}, 500);

/** Longer URLs are dropped, not cut: a truncated URL points somewhere else. */
const MAX_URL_LENGTH = 2048;

/**
 * A URL worth keeping as a trait: absolute and parseable (web pages and app deep links
 * alike), stored as sent, except that credentials ("https://user:secret@host/") are removed.
 */
export function cleanUrl(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const candidate = value.trim();
  if (candidate === '' || candidate.length > MAX_URL_LENGTH) return undefined;
  let url: URL;
  try {
    url = new URL(candidate);
  } catch {
    return undefined;
  }
  if (url.username === '' && url.password === '') return candidate;
  url.username = '';
  url.password = '';
  return url.href;
}

function field(object: unknown, key: string): unknown {
  return typeof object === 'object' && object !== null ? Reflect.get(object, key) : undefined;
}

/**
 * `current_url` and `referrer`. A page call describes the page itself in `properties`
 * (analytics.js copies it into `context.page` too); other calls carry it in `context.page`.
 */
export function pageTraits(
  type: string | undefined,
  context: Record<string, unknown>,
  properties: Record<string, unknown> | undefined,
): { current_url?: string; referrer?: string } {
  const fromProperties = type === 'page' ? properties : undefined;
  const url = cleanUrl(field(fromProperties, 'url')) ?? cleanUrl(field(context.page, 'url'));
  const referrer = cleanUrl(field(fromProperties, 'referrer')) ?? cleanUrl(field(context.page, 'referrer'));
  return { ...(url !== undefined ? { current_url: url } : {}), ...(referrer !== undefined ? { referrer } : {}) };
}
