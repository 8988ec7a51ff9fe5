/**
 * What src/logger.ts does to every record before pino writes it. Two rules:
 * - by key: a value under a key naming a credential or personal data becomes `[redacted]`,
 *   at any depth: in arrays, in errors (their own fields, an AggregateError's errors) and
 *   in whatever else a driver error carries, so no caller has to know where data hides;
 * - by text: strings lose what database errors echo back from the document (a duplicate
 *   key, an identity key `<kind>:<value>`), identifiers in query strings (`?email=…`), and
 *   any e-mail address, URL-encoded too.
 * The identifier kinds are the built-in ones and the external ids an operator configures.
 * Records are copied only along the paths that change; the caller's objects stay untouched.
 */
import { types } from 'node:util';
import { stdSerializers } from 'pino';
import { CORE_IDENTITY_KINDS } from './model.js';

const CENSOR = '[redacted]';
const CIRCULAR = '[circular]';
const TOO_DEEP = '[too deep]';
/** Deeper than any record logged on purpose; past it a value is a runaway graph, not evidence. */
const MAX_DEPTH = 10;

/** Keys compare case- and separator-blind: `x-api-key`, `X_API_KEY` and `xApiKey` are one key. */
const normalise = (key: string) => key.toLowerCase().replace(/[-_]/g, '');

const CENSORED_KEYS = new Set(
  [
    // credentials, in headers, configuration or request bodies
    'authorization',
    'proxy-authorization',
    'cookie',
    'set-cookie',
    'password',
    'secret',
    'token',
    'accessToken',
    'refreshToken',
    'writeKey',
    'adminKey',
    'apiKey',
    'x-api-key',
    // personal data: Segment message fields and profile fields
    'email',
    'phone',
    'name',
    'firstName',
    'lastName',
    'address',
    'ip',
    'traits',
    'properties',
    'context',
    'userId',
    'anonymousId',
    'identities',
    'body',
    // consent proofs: what the person was shown, where, from what browser
    'proof',
    'userAgent',
    'pageUrl',
    'externalIds',
    // document values the database driver echoes in its errors (duplicate key, failed write)
    'keyValue',
    'op',
  ].map(normalise),
);

const escapeRegex = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function textRules(identityKinds: readonly string[]): [RegExp, string][] {
  const kinds = [...new Set([...CORE_IDENTITY_KINDS, ...identityKinds])].map(escapeRegex).join('|');
  return [
    // MongoDB: `E11000 duplicate key error … dup key: { _id: "email:ada@example.com" }`
    [/dup key: \{.*\}/g, `dup key: { ${CENSOR} }`],
    // identity keys (src/profile/identifiers.ts), the `_id`s of failed or inserted documents
    [new RegExp(`\\b(${kinds}):[^\\s"'\`,;{}()[\\]]+`, 'g'), `$1:${CENSOR}`],
    // identifiers in a query string, as in `/v1/profiles/lookup?email=…`
    [new RegExp(`\\b(${kinds})=[^&\\s"'\`]+`, 'g'), `$1=${CENSOR}`],
    // e-mail addresses, e.g. quoted back by a validation message, plain or URL-encoded
    [/[\w.+%-]+(?:@|%40)[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/gi, CENSOR],
  ];
}

/** Redacts records: `redact(value)` is `value` redacted, the very same reference when nothing needed to change. */
export function createRedactor(options: { identityKinds?: readonly string[] } = {}): <T>(value: T) => T {
  const rules = textRules(options.identityKinds ?? []);
  const scrubText = (text: string): string => {
    // Most strings hold none of these, and logging should not pay for four regexes on each.
    if (!text.includes(':') && !text.includes('@') && !text.includes('=') && !text.includes('%40')) return text;
    return rules.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
  };
  return <T>(value: T): T => visit(value, 0, new Set(), scrubText) as T;
}

type Scrub = (text: string) => string;

function visit(value: unknown, depth: number, ancestors: Set<object>, scrubText: Scrub): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (ancestors.has(value)) return CIRCULAR;
  if (depth >= MAX_DEPTH) return TOO_DEEP;
  ancestors.add(value);
  try {
    // pino's standard shape (type, message and stack with those of the causes, aggregateErrors,
    // own enumerable fields such as keyValue or errorResponse), then the same rules as any object.
    if (isError(value)) return visitFields(stdSerializers.err(value), depth, ancestors, scrubText);
    // What JSON.stringify would write, e.g. the driver's WriteError carrying the failed document.
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json: unknown = toJSON.call(value);
      if (json !== value) {
        const redacted = visit(json, depth, ancestors, scrubText);
        return redacted === json ? value : redacted;
      }
    }
    return visitFields(value, depth, ancestors, scrubText);
  } finally {
    ancestors.delete(value);
  }
}

function visitFields(source: object, depth: number, ancestors: Set<object>, scrubText: Scrub): unknown {
  if (Array.isArray(source)) {
    let copy: unknown[] | undefined;
    source.forEach((item: unknown, index) => {
      const redacted = visit(item, depth + 1, ancestors, scrubText);
      if (redacted !== item) (copy ??= [...source])[index] = redacted;
    });
    return copy ?? source;
  }
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(source)) {
    const redacted = item !== undefined && CENSORED_KEYS.has(normalise(key)) ? CENSOR : visit(item, depth + 1, ancestors, scrubText);
    if (redacted !== item) (copy ??= { ...source })[key] = redacted;
  }
  return copy ?? source;
}

/** Errors from other realms (the workflow sandbox) fail `instanceof`. */
function isError(value: object): value is Error {
  return value instanceof Error || types.isNativeError(value);
}
