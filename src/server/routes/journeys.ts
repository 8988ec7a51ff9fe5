/**
 * What journeys do (admin): per journey and rules version, runs entered, running, ended by
 * outcome, refused by verdict, messages by status; per step a funnel (reached, waiting
 * there, passed); pausing and resuming new entries.
 */
import { Router } from 'express';
import type { JourneyIR } from '../../dsl/ir.js';
import { allSteps } from '../../dsl/ir-steps.js';
import type { JourneyStatsDoc } from '../../store/journey-stats.js';
import type { AppDeps } from '../app.js';
import { notFound } from '../errors.js';

const sum = (counts: Record<string, number> | undefined) => Object.values(counts ?? {}).reduce((total, n) => total + n, 0);

function summary(stats: JourneyStatsDoc, activeVersion: number | null) {
  const entered = stats.entered ?? 0;
  return {
    rulesVersion: stats.rulesVersion,
    active: stats.rulesVersion === activeVersion,
    entered,
    running: Math.max(0, entered - sum(stats.ended)),
    ended: stats.ended ?? {},
    refused: stats.refused ?? {},
    messages: stats.messages ?? {},
  };
}

function funnel(journey: JourneyIR | undefined, stats: JourneyStatsDoc) {
  return allSteps(journey?.steps ?? []).map(({ step, depth }) => {
    const counts = stats.steps?.[step.id] ?? {};
    const reached = counts.reached ?? 0;
    const passed = counts.passed ?? 0;
    const left = counts.left ?? 0;
    return { id: step.id, kind: step.kind, depth, reached, waiting: Math.max(0, reached - passed - left), passed, endedHere: left };
  });
}

export function journeyRoutes(deps: AppDeps): Router {
  const router = Router();

  const overview = async () => {
    const [rules, stats, paused] = await Promise.all([deps.stores.rules.active(), deps.stores.journeyStats.list(), deps.stores.journeyControls.paused()]);
    const names = [...new Set([...(rules?.ir.journeys.map((j) => j.name) ?? []), ...stats.map((s) => s.journey)])].sort();
    return { rules, stats, paused, names };
  };

  router.get('/v1/journeys', async (_req, res) => {
    const { rules, stats, paused, names } = await overview();
    res.json({
      journeys: names.map((name) => {
        const declared = rules?.ir.journeys.find((j) => j.name === name);
        return {
          name,
          ...(declared?.title ? { title: declared.title } : {}),
          deployed: declared !== undefined,
          paused: paused.has(name),
          versions: stats.filter((s) => s.journey === name).map((s) => summary(s, rules?._id ?? null)),
        };
      }),
    });
  });

  router.get('/v1/journeys/:name', async (req, res) => {
    const { rules, stats, paused, names } = await overview();
    const name = req.params.name;
    if (!names.includes(name)) throw notFound('no journey with that name in the active rules or in the stats');
    const versions = await Promise.all(stats.filter((s) => s.journey === name).map(async (s) => {
      const journey = (await deps.stores.rules.get(s.rulesVersion))?.ir.journeys.find((j) => j.name === name);
      return { ...summary(s, rules?._id ?? null), steps: funnel(journey, s) };
    }));
    res.json({ name, deployed: rules?.ir.journeys.some((j) => j.name === name) ?? false, paused: paused.has(name), versions });
  });

  for (const [action, paused] of [['pause', true], ['resume', false]] as const) {
    router.post(`/v1/journeys/:name/${action}`, async (req, res) => {
      const { names } = await overview();
      if (!names.includes(req.params.name)) throw notFound('no journey with that name in the active rules or in the stats');
      await deps.stores.journeyControls.setPaused(req.params.name, paused, deps.now());
      res.json({ name: req.params.name, paused });
    });
  }
  return router;
}
