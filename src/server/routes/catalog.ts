/**
 * `GET /v1/catalog`: what the data holds — event names with counts and last seen, their
 * property paths and kinds, trait paths, consent categories received — and the template
 * names, for the rule editor's completion and the checker. Every role may read it: it holds
 * names and counts, no personal data. Reads one small collection
 * (bounded by the catalogue's caps) and the templates: fast whatever the events.
 */
import { Router } from 'express';
import type { AppDeps } from '../deps.js';

export function catalogRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/v1/catalog', async (_req, res) => {
    const [catalog, templates] = await Promise.all([deps.stores.dataCatalog.read(), deps.stores.templates.names()]);
    res.json({
      events: catalog.events,
      traits: catalog.traits,
      consentCategories: catalog.consentCategories,
      templates: [...templates].sort(),
      dropped: catalog.dropped,
      limits: catalog.limits,
      updatedAt: catalog.updatedAt,
    });
  });

  return router;
}
