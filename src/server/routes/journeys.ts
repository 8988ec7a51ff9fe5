/**
 * What journeys do (admin): per journey and rules version, runs entered, running, ended by
 * outcome, refused by verdict, messages by status; per step a funnel (reached, waiting
 * there, passed) and the journey drawn as a diagram of its steps with those counts;
 * pausing and resuming new entries.
 *
 * Every read here is of small collections: the counters (a document per journey version),
 * the rules versions (by `_id`, cached) and the paused journeys. Nothing grows with people.
 */
import { Router } from 'express';
import type { JourneyDecl } from '../../dsl/ast.js';
import { journeyDiagram } from '../../dsl/diagram.js';
import type { JourneyIR } from '../../dsl/ir.js';
import { allSteps } from '../../dsl/ir-steps.js';
import type { JourneyStats } from '../../store/journey-stats.js';
import type { AppDeps } from '../deps.js';
import { notFound } from '../errors.js';
import { actorLabel, actorOf } from '../actor.js';
import { createRulesPrograms } from '../rules-programs.js';

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((total, n) => total + n, 0);

function summary(stats: JourneyStats, activeVersion: number | null) {
  return {
    rulesVersion: stats.rulesVersion,
    active: stats.rulesVersion === activeVersion,
    entered: stats.entered,
    running: Math.max(0, stats.entered - sum(stats.ended)),
    ended: stats.ended,
    refused: stats.refused,
    messages: stats.messages,
  };
}

/** The funnel as a flat list of the IR's steps (loops unrolled): kept as it was before the diagram. */
function funnel(journey: JourneyIR | undefined, stats: JourneyStats) {
  return allSteps(journey?.steps ?? []).map(({ step, depth }) => {
    const { reached = 0, passed = 0, left = 0 } = stats.steps[step.id] ?? {};
    return { id: step.id, kind: step.kind, depth, reached, waiting: Math.max(0, reached - passed - left), passed, endedHere: left };
  });
}

/** Totals over every version of a journey, for the list. */
function totals(versions: ReturnType<typeof summary>[]) {
  return {
    entered: versions.reduce((total, version) => total + version.entered, 0),
    running: versions.reduce((total, version) => total + version.running, 0),
    ended: versions.reduce((total, version) => total + sum(version.ended), 0),
  };
}

export function journeyRoutes(deps: AppDeps): Router {
  const router = Router();
  const programs = createRulesPrograms();

  const overview = async () => {
    const [rules, stats, paused] = await Promise.all([
      deps.stores.rules.active(),
      deps.stores.journeyStats.list(),
      deps.stores.journeyControls.paused(),
    ]);
    const names = [...new Set([...(rules?.ir.journeys.map((j) => j.name) ?? []), ...stats.map((s) => s.journey)])].sort();
    return { rules, stats, paused, names };
  };

  /** The journey as its version's text declares it, and that version's IR of it. */
  const declared = async (name: string, rulesVersion: number) => {
    const rules = await deps.stores.rules.get(rulesVersion);
    if (!rules) return {};
    const decl = programs(rules).program.declarations.find((d): d is JourneyDecl => d.kind === 'journey' && d.name.text === name);
    return { rules, decl, ir: rules.ir.journeys.find((j) => j.name === name) };
  };

  router.get('/v1/journeys', async (_req, res) => {
    const { rules, stats, paused, names } = await overview();
    res.json({
      journeys: names.map((name) => {
        const declaredNow = rules?.ir.journeys.find((j) => j.name === name);
        const versions = stats.filter((s) => s.journey === name).map((s) => summary(s, rules?._id ?? null));
        return {
          name,
          ...(declaredNow?.title ? { title: declaredNow.title } : {}),
          deployed: declaredNow !== undefined,
          paused: paused.has(name),
          ...totals(versions),
          versions,
        };
      }),
    });
  });

  router.get('/v1/journeys/:name', async (req, res) => {
    const { rules, stats, paused, names } = await overview();
    const name = req.params.name;
    if (!names.includes(name)) throw notFound('no journey with that name in the active rules or in the stats');
    const versions = await Promise.all(
      stats
        .filter((s) => s.journey === name)
        .map(async (s) => {
          const { rules: version, decl, ir } = await declared(name, s.rulesVersion);
          const diagram =
            version && decl
              ? journeyDiagram(decl, programs(version).reader, { entered: s.entered, step: (id) => s.steps[id] })
              : { nodes: [] };
          return { ...summary(s, rules?._id ?? null), steps: funnel(ir, s), diagram };
        }),
    );
    // The active version's diagram with no run yet: a journey just deployed is drawn at once, with zeros.
    const activeVersion = rules?._id;
    if (
      rules &&
      activeVersion !== undefined &&
      !versions.some((v) => v.rulesVersion === activeVersion) &&
      rules.ir.journeys.some((j) => j.name === name)
    ) {
      const empty: JourneyStats = {
        _id: `${name}@${activeVersion}`,
        journey: name,
        rulesVersion: activeVersion,
        entered: 0,
        refused: {},
        ended: {},
        steps: {},
        messages: {},
      };
      const { decl, ir } = await declared(name, activeVersion);
      versions.push({
        ...summary(empty, activeVersion),
        steps: funnel(ir, empty),
        diagram: decl ? journeyDiagram(decl, programs(rules).reader, { entered: 0, step: () => undefined }) : { nodes: [] },
      });
    }
    const title = rules?.ir.journeys.find((j) => j.name === name)?.title;
    res.json({
      name,
      ...(title ? { title } : {}),
      deployed: rules?.ir.journeys.some((j) => j.name === name) ?? false,
      paused: paused.has(name),
      ...totals(versions),
      versions,
    });
  });

  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    router.post(`/v1/journeys/:name/${action}`, async (req, res) => {
      const { names } = await overview();
      if (!names.includes(req.params.name)) throw notFound('no journey with that name in the active rules or in the stats');
      await deps.stores.journeyControls.setPaused(req.params.name, paused, deps.now());
      // For the people on call: runs held or let go is a change they will be asked about.
      deps.logger.info({ journey: req.params.name, by: actorLabel(actorOf(res)) }, paused ? 'journey paused' : 'journey resumed');
      res.json({ name: req.params.name, paused });
    });
  }
  return router;
}
