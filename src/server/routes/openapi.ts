/** GET /v1/openapi.json: the API contract (src/server/openapi/document.ts), open to anyone. */
import { Router } from 'express';
import { apiDocument } from '../openapi/document.js';

export const OPENAPI_PATH = '/v1/openapi.json';

export function openapiRoutes(): Router {
  const router = Router();
  router.get(OPENAPI_PATH, (_req, res) => {
    // The document changes with the server's code: a client revalidates rather than keep an old one.
    res.setHeader('Cache-Control', 'no-cache');
    res.json(apiDocument());
  });
  return router;
}
