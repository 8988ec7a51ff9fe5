/**
 * Two keys, two powers: the write key (Segment-style HTTP Basic, key as user name) may
 * only send events; the admin key (`Authorization: Bearer …`) reads profiles, deploys
 * rules and starts privacy requests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
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
}

/** The source whose write key authenticated this request. */
export function sourceOf(res: Response): string {
  return (res.locals as { source?: string }).source ?? 'default';
}

export function requireWriteKey(sources: readonly Source[]): RequestHandler {
  return (req, res, next) => {
    const header = req.headers.authorization ?? '';
    const match = /^Basic\s+(\S+)$/i.exec(header);
    if (!match) return next(unauthorized('send the write key as HTTP Basic user name (Authorization: Basic base64("<key>:"))'));
    const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
    const user = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
    // Every key is compared, so the time taken does not reveal which source matched.
    const matches = sources.filter((source) => sameSecret(user, source.writeKey));
    if (matches.length === 0) return next(unauthorized('invalid write key'));
    (res.locals as { source?: string }).source = matches[0]!.name;
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
