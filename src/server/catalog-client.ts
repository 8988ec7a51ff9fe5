/**
 * The data catalogue as a client of the server reads it (GET /v1/catalog, which also lists
 * the template names), for `itinera check`'s warnings from the data. One request with a
 * short timeout: a check that finds no server goes on offline, and quickly.
 */
import { z } from 'zod';
import type { CatalogSnapshot } from '../dsl/check-data.js';
import type { ImportServer } from '../import/server-target.js';

/** How long `itinera check` waits for the catalogue before checking without it. */
export const CATALOG_TIMEOUT_MS = 1_500;

const path = z.object({ path: z.string(), kinds: z.array(z.string()).optional() });
const count = z.number().nonnegative();
/** What the checker reads of the answer; anything else in it is ignored. */
const catalogAnswer = z.object({
  events: z.array(z.object({ name: z.string(), properties: z.array(path) })),
  traits: z.array(path),
  consentCategories: z.array(z.object({ name: z.string() })),
  templates: z.array(z.string()),
  dropped: z.object({ events: count, properties: count, traits: count, consentCategories: count }),
});

export type CatalogFetch =
  | { ok: true; catalog: CatalogSnapshot; templates: string[] }
  /** `unreachable`: no answer (no server, a timeout); `refused`: an answer, but not the catalogue (a wrong key…). */
  | { ok: false; kind: 'unreachable' | 'refused'; reason: string };

export async function fetchCatalog(server: ImportServer, timeoutMs = CATALOG_TIMEOUT_MS): Promise<CatalogFetch> {
  let response: Response;
  try {
    response = await fetch(`${server.url}/v1/catalog`, {
      headers: { authorization: `Bearer ${server.adminKey}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const reason = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : causeOf(error);
    return { ok: false, kind: 'unreachable', reason };
  }
  if (!response.ok) {
    await response.body?.cancel();
    return { ok: false, kind: 'refused', reason: `${response.status} ${response.statusText}`.trim() };
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return { ok: false, kind: 'refused', reason: 'the answer is not JSON' };
  }
  const parsed = catalogAnswer.safeParse(body);
  if (!parsed.success) return { ok: false, kind: 'refused', reason: 'the answer is not a data catalogue (another version of Itinera?)' };
  const { templates, ...catalog } = parsed.data;
  return { ok: true, catalog, templates };
}

/** fetch's "fetch failed" says little; its cause (ECONNREFUSED, ENOTFOUND…) says what happened. */
function causeOf(error: unknown): string {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string') return cause.message;
  return error instanceof Error ? error.message : String(error);
}
