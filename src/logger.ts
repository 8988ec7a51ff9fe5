/**
 * One pino logger. Redaction is by construction: credentials and every field that can
 * hold personal data are censored wherever they appear, so a careless `log.info({ body })`
 * cannot leak an e-mail address or a key.
 */
import { pino, type Logger } from 'pino';

const PERSONAL_OR_SECRET = [
  'authorization', 'cookie', 'password', 'writeKey', 'adminKey', 'apiKey',
  'email', 'phone', 'name', 'firstName', 'lastName', 'address', 'ip',
  'traits', 'properties', 'context', 'userId', 'anonymousId', 'body',
];

export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  ...PERSONAL_OR_SECRET,
  ...PERSONAL_OR_SECRET.map((key) => `*.${key}`),
];

export type { Logger };

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: redactPaths, censor: '[redacted]' }, base: { service: 'itinera' } }, destination);
}
