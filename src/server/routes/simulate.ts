/**
 * POST /v1/journeys/simulate: what a journey of a draft program would do for one person,
 * computed in seconds by the real journey workflow on a time-skipping server
 * (src/simulation). Nothing is deployed, written or sent.
 *
 * 400: the request does not fit the schema; 422: the draft has errors (its diagnostics);
 * 404: no such journey in the draft, or no such profile; 503: this server cannot simulate.
 */
import { Router } from 'express';
import { SimulationUnavailable } from '../../simulation/environment.js';
import { UnknownProfile } from '../../simulation/person.js';
import { simulationRequestSchema } from '../../simulation/request.js';
import { simulate } from '../../simulation/simulate.js';
import type { AppDeps } from '../deps.js';
import { fromZod, HttpError, notFound } from '../errors.js';

export function simulateRoutes(deps: AppDeps): Router {
  const router = Router();

  router.post('/v1/journeys/simulate', async (req, res) => {
    const parsed = simulationRequestSchema.safeParse(req.body);
    if (!parsed.success) throw fromZod(parsed.error);
    const environment = deps.simulations;
    if (!environment) throw new HttpError(503, 'simulation_unavailable', 'this server process does not run simulations');
    const { stores, now, defaultTimeZone } = deps;
    let answer;
    try {
      answer = await simulate({ stores, now, environment, defaultTimeZone: defaultTimeZone ?? 'UTC' }, parsed.data);
    } catch (error) {
      if (error instanceof UnknownProfile) throw notFound(`no profile ${error.profileId}`);
      if (error instanceof SimulationUnavailable) throw new HttpError(503, 'simulation_unavailable', error.message);
      throw error;
    }
    switch (answer.kind) {
      case 'invalid-program':
        res.status(422).json({ diagnostics: answer.diagnostics });
        return;
      case 'unknown-journey':
        throw new HttpError(404, 'unknown_journey', `the draft declares no journey ${parsed.data.journey}`, { journeys: answer.journeys });
      case 'simulated':
        res.json(answer.result);
    }
  });

  return router;
}
