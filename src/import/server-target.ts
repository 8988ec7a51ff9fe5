/**
 * Which Itinera server `itinera import` sends the file to, and with which key:
 * `ITINERA_URL` (default: where `npm start` listens, http://127.0.0.1:<PORT, 3000>) and
 * `ITINERA_ADMIN_KEY` (default: the development key `npm start` uses without one).
 *
 * Read here rather than through loadConfig: that validates a whole server's configuration
 * (production keys, SMTP, sources), none of which a client of the server needs or has.
 */
import { DEV_ADMIN_KEY } from '../config.js';

export const DEFAULT_PORT = 3000;

export interface ImportServer {
  /** The server's base URL, without a trailing slash. */
  url: string;
  adminKey: string;
}

export class ServerTargetError extends Error {
  override name = 'ServerTargetError';
}

export function importServerFrom(env: NodeJS.ProcessEnv = process.env): ImportServer {
  const adminKey = env.ITINERA_ADMIN_KEY || DEV_ADMIN_KEY;
  const given = env.ITINERA_URL?.trim();
  if (!given) return { url: `http://127.0.0.1:${defaultPort(env.PORT)}`, adminKey };
  let url: URL;
  try {
    url = new URL(given);
  } catch {
    throw new ServerTargetError(`ITINERA_URL: "${given}" is not a URL such as http://127.0.0.1:3000`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ServerTargetError(`ITINERA_URL: "${given}" must be an http:// or https:// URL`);
  if (url.search || url.hash || url.username || url.password)
    throw new ServerTargetError(`ITINERA_URL: "${given}" must be the server's address only (no query, fragment or credentials)`);
  return { url: `${url.origin}${url.pathname.replace(/\/+$/, '')}`, adminKey };
}

function defaultPort(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new ServerTargetError(`PORT: "${text}" is not a port number (1–65535)`);
  return port;
}
