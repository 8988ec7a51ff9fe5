/**
 * Two keys, two powers: the write key (Segment-style HTTP Basic, key as user name; or, as
 * analytics.js before 1.84 sends it, `writeKey` in the JSON body) may only send events; the admin key (`Authorization: Bearer …`) reads profiles, deploys
 * rules and starts privacy requests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { unauthorized } from './errors.js';

/** Constant-time comparison that also hides the key's length. */
function sameSecret(given: string, expected: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** A source of events (a website, an app, a backend), known by its own write key. */
export interface Source {
  name: string;
  writeKey: string;
  /** Web origins whose pages may send events with this key; absent: any (src/server/cors.ts). */
  origins?: readonly string[];
}

/** The source whose write key authenticated this request. */
export function sourceOf(res: Response): string {
  return (res.locals as { source?: string }).source ?? 'default';
}

/** The source a write key belongs to. Every key is compared, so the time taken does not reveal which matched. */
export function sourceByKey(sources: readonly Source[], key: string): Source | undefined {
  return sources.filter((source) => sameSecret(key, source.writeKey))[0];
}

/** The write key a request carries: the Basic user name, else a `writeKey` string in a parsed body. */
function writeKeyOf(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (header !== undefined) {
    const match = /^Basic\s+(\S+)$/i.exec(header);
    if (!match) return undefined;
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    return decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
  }
  const body = req.body as { writeKey?: unknown } | undefined;
  return typeof body === 'object' && body !== null && typeof body.writeKey === 'string' ? body.writeKey : undefined;
}

/** Needs the body parsed first when the key may come in it (the tracking routes). */
export function requireWriteKey(sources: readonly Source[]): RequestHandler {
  return (req, res, next) => {
    const key = writeKeyOf(req);
    if (key === undefined) return next(unauthorized('send the write key as HTTP Basic user name (Authorization: Basic base64("<key>:")) or as "writeKey" in the body'));
    const source = sourceByKey(sources, key);
    if (!source) return next(unauthorized('invalid write key'));
    (res.locals as { source?: string }).source = source.name;
    next();
  };
}

export function requireAdminKey(adminKey: string): RequestHandler {
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!match) return next(unauthorized('send the admin key as Authorization: Bearer <key>'));
    if (!sameSecret(match[1]!, adminKey)) return next(unauthorized('invalid admin key'));
    next();
  };
}
