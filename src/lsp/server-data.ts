/**
 * What the language server reads from a running Itinera: the data catalogue (event names,
 * their properties, traits, templates) for completion and a segment's size for hover.
 * The server is the one `itinera import` talks to (ITINERA_URL, ITINERA_ADMIN_KEY), but
 * only when ITINERA_URL is set: an editor that starts the language server without it is
 * not working against a server, and should not wait on a connection to a default port.
 *
 * Every read is short and its failure is an answer (no catalogue, no size): completion and
 * hover go on with what the program itself holds.
 */
import type { Logger } from '../logger.js';
import { importServerFrom, type ImportServer } from '../import/server-target.js';

/** GET /v1/catalog, as far as completion reads it. */
export interface Catalog {
  events: { name: string; count: number; properties: { path: string; kinds: string[] }[] }[];
  traits: { path: string; kinds: string[] }[];
  templates: string[];
}

/** GET /v1/segments/:name, as far as hover reads it. */
export interface SegmentSize {
  size: number;
  state: 'ready' | 'computing';
  computedAt: string | null;
}

export interface ServerData {
  /** Where the data comes from, for hover texts. */
  url: string;
  catalog(): Promise<Catalog | undefined>;
  /** `null`: the server's active rules have no such segment (not deployed yet). */
  segment(name: string): Promise<SegmentSize | null | undefined>;
}

/** An editor asks on every keystroke: the catalogue is read again at most this often. */
const CATALOG_TTL_MS = 10_000;
/** A completion list that waits longer than this is worse than one without the catalogue. */
const REQUEST_TIMEOUT_MS = 2_000;

export function serverDataFrom(env: NodeJS.ProcessEnv, log: Logger): ServerData | undefined {
  if (!env.ITINERA_URL?.trim()) return undefined;
  let server: ImportServer;
  try {
    server = importServerFrom(env);
  } catch (error) {
    log.warn({ err: error }, 'the language server works without the Itinera server');
    return undefined;
  }
  return createServerData(server, log);
}

function createServerData(server: ImportServer, log: Logger): ServerData {
  let cached: { at: number; catalog: Promise<Catalog | undefined> } | undefined;
  /** Logged once per kind of failure, not on every keystroke. */
  const reported = new Set<string>();

  async function get(path: string): Promise<{ status: number; body: unknown } | undefined> {
    try {
      const response = await fetch(`${server.url}${path}`, {
        headers: { authorization: `Bearer ${server.adminKey}`, accept: 'application/json' },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const body: unknown = await response.json().catch(() => undefined);
      if (response.status >= 500 || response.status === 401 || response.status === 403) {
        report(`refused:${response.status}`, `the Itinera server at ${server.url} answered ${response.status}`);
      }
      return { status: response.status, body };
    } catch (error) {
      report('unreachable', `cannot reach the Itinera server at ${server.url} (${(error as Error).name})`);
      return undefined;
    }
  }

  function report(kind: string, message: string): void {
    if (reported.has(kind)) return;
    reported.add(kind);
    log.warn(message);
  }

  async function readCatalog(): Promise<Catalog | undefined> {
    const answer = await get('/v1/catalog');
    if (answer?.status !== 200 || typeof answer.body !== 'object' || answer.body === null) return undefined;
    const body = answer.body as Partial<Catalog>;
    return { events: body.events ?? [], traits: body.traits ?? [], templates: body.templates ?? [] };
  }

  return {
    url: server.url,
    catalog() {
      const now = Date.now();
      if (!cached || now - cached.at > CATALOG_TTL_MS) cached = { at: now, catalog: readCatalog() };
      return cached.catalog;
    },
    async segment(name) {
      const answer = await get(`/v1/segments/${encodeURIComponent(name)}`);
      if (answer?.status === 404) return null;
      if (answer?.status !== 200) return undefined;
      const body = answer.body as SegmentSize;
      return { size: body.size, state: body.state, computedAt: body.computedAt };
    },
  };
}
