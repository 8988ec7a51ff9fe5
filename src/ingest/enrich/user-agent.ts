/**
 * Device, operating system and browser from `context.userAgent`, parsed by bowser (MIT;
 * ua-parser-js v2 is AGPL and stays out). Segment's analytics.js also sends
 * `context.userAgentData` (the browser's User-Agent Client Hints), whose `platformVersion`
 * (when the site asked for high-entropy hints) tells the real OS version that Chrome's
 * reduced user agent freezes (every Windows says "NT 10.0", every Mac "10_15_7", every Android "10").
 * Mobile SDKs send no user agent but `context.os`, which fills in the OS when the user
 * agent says nothing.
 */
import Bowser from 'bowser';
import { memoise } from './memo.js';

export type DeviceType = 'desktop' | 'mobile' | 'tablet' | 'tv' | 'bot';

export interface UserAgentTraits {
  device_type?: DeviceType;
  os?: string;
  os_version?: string;
  browser?: string;
  browser_version?: string;
}

const DEVICE_TYPES: ReadonlySet<string> = new Set<DeviceType>(['desktop', 'mobile', 'tablet', 'tv', 'bot']);

/** Real user agents stay well under this; longer strings are junk or an attack on the parser's regexes. */
const MAX_USER_AGENT_LENGTH = 1024;

function isDeviceType(value: string): value is DeviceType {
  return DEVICE_TYPES.has(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function parse(userAgent: string): UserAgentTraits {
  let result: Bowser.Parser.ParsedResult;
  try {
    result = Bowser.parse(userAgent);
  } catch {
    return {}; // bowser throws only on empty input, which is filtered out; belt and braces
  }
  const traits: UserAgentTraits = {};
  const platform = result.platform.type;
  if (platform !== undefined && isDeviceType(platform)) traits.device_type = platform;
  const os = nonEmpty(result.os.name);
  if (os !== undefined) {
    traits.os = os;
    // Windows reports a kernel version ("NT 10.0"); people know it by its release ("10").
    const version = os === 'Windows' ? (result.os.versionName ?? result.os.version) : result.os.version;
    const osVersion = nonEmpty(version);
    if (osVersion !== undefined) traits.os_version = osVersion;
  }
  const browser = nonEmpty(result.browser.name);
  if (browser !== undefined) {
    traits.browser = browser;
    const browserVersion = nonEmpty(result.browser.version);
    if (browserVersion !== undefined) traits.browser_version = browserVersion;
  }
  return traits;
}

/** Parsing costs ~15 µs and the same user agents recur all day, so answers are remembered. */
const parseRemembered = memoise(parse, 2_000);

/**
 * The OS version the client hints tell, when the user agent's is frozen. Windows is the
 * odd one: `platformVersion` 13 and above means Windows 11, 1–10 means Windows 10.
 */
function versionFromHints(os: string | undefined, hints: unknown): string | undefined {
  if (typeof hints !== 'object' || hints === null || !('platformVersion' in hints)) return undefined;
  const platformVersion = hints.platformVersion;
  if (typeof platformVersion !== 'string' || !/^\d+(\.\d+)*$/.test(platformVersion)) return undefined;
  if (os !== 'Windows') return os === 'macOS' || os === 'Android' ? platformVersion : undefined;
  const major = Number(platformVersion.split('.')[0]);
  if (major >= 13) return '11';
  return major >= 1 ? '10' : undefined;
}

/** `context.os` as Segment's and RudderStack's mobile SDKs send it: `{ name, version }`. */
function osFromContext(contextOs: unknown): Pick<UserAgentTraits, 'os' | 'os_version'> {
  if (typeof contextOs !== 'object' || contextOs === null) return {};
  const name = 'name' in contextOs && typeof contextOs.name === 'string' ? nonEmpty(contextOs.name.slice(0, 64)) : undefined;
  if (name === undefined) return {};
  const version = 'version' in contextOs && typeof contextOs.version === 'string' ? nonEmpty(contextOs.version.slice(0, 64)) : undefined;
  return version === undefined ? { os: name } : { os: name, os_version: version };
}

export function userAgentTraits(context: Record<string, unknown>): UserAgentTraits {
  const userAgent = context.userAgent;
  const parsed =
    typeof userAgent === 'string' && userAgent.trim() !== '' && userAgent.length <= MAX_USER_AGENT_LENGTH ? parseRemembered(userAgent) : {};
  if (parsed.os === undefined) return { ...parsed, ...osFromContext(context.os) };
  const hinted = versionFromHints(parsed.os, context.userAgentData);
  return hinted === undefined ? parsed : { ...parsed, os_version: hinted };
}
