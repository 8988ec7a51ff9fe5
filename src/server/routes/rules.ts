/** Deploying rule programs: compile, and store a new version only when it is free of errors. */
import express, { Router } from 'express';
import { compile } from '../../dsl/index.js';
import { HttpError, notFound } from '../errors.js';
import type { AppDeps } from '../app.js';

const MAX_PROGRAM_BYTES = '1mb';

export function ruleRoutes(deps: AppDeps): Router {
  const router = Router();
  router.put('/v1/rules', express.text({ type: 'text/plain', limit: MAX_PROGRAM_BYTES }), async (req, res) => {
    if (!req.is('text/plain') || typeof req.body !== 'string') {
      throw new HttpError(415, 'unsupported_media_type', 'send the rule program as Content-Type: text/plain');
    }
    const { ir, diagnostics } = compile(req.body);
    if (!ir) {
      res.status(422).json({ diagnostics });
      return;
    }
    const version = await deps.stores.rules.deploy(req.body, ir, deps.now());
    // The segments it adds or changes are computed over everyone in the background
    // (GET /v1/segments shows the progress); should the start fail, the sweeper retries it.
    const recompute = await (deps.startSegmentRecompute?.(version) ?? Promise.resolve()).then(
      () => 'started' as const,
      (error: unknown) => {
        deps.logger.warn({ err: error, version }, 'segment recompute not started; the sweeper will start it');
        return 'pending' as const;
      },
    );
    res.json({ version, diagnostics, segments: { recompute } });
  });
  router.get('/v1/rules', async (_req, res) => {
    const rules = await deps.stores.rules.active();
    if (!rules) throw notFound('no rules deployed yet');
    res.json({ version: rules._id, deployedAt: rules.deployedAt, source: rules.source });
  });
  return router;
}
