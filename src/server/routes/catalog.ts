/**
 * `GET /v1/catalog`: what the data holds — event names with counts and last seen, their
 * property paths and kinds, trait paths, consent categories received — and the template
 * names, for the rule editor's completion and the checker. Reads one small collection
 * (bounded by the catalogue's caps) and the templates: fast whatever the events.
 */
import { Router, type RequestHandler } from 'express';
import type { AppDeps } from '../app.js';
import { requireAdminKey } from '../auth.js';

/**
 * Until the authentication middleware covers /v1/catalog (sessions and roles, src/server/auth.ts),
 * the admin key guards it here; once a request arrives with its actor set, that middleware has
 * already decided, and this guard steps aside.
 */
function guard(adminKey: string): RequestHandler {
  const admin = requireAdminKey(adminKey);
  return (req, res, next) => ((res.locals as { actor?: unknown }).actor ? next() : admin(req, res, next));
}

export function catalogRoutes(deps: AppDeps): Router {
  const router = Router();

  router.get('/v1/catalog', guard(deps.adminKey), async (_req, res) => {
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
