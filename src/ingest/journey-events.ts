/**
 * The event names a running journey can use: those of its `wait for` steps and `exit on`
 * headers. A run is signalled with these only, which keeps its history to what matters
 * (a person's page views do not grow every run they are in).
 */
import type { JourneyIR } from '../dsl/ir.js';
import { allSteps } from '../dsl/ir-steps.js';

const cache = new WeakMap<JourneyIR, ReadonlySet<string>>();

export function eventsUsedBy(journey: JourneyIR): ReadonlySet<string> {
  const cached = cache.get(journey);
  if (cached) return cached;
  const waits = allSteps(journey.steps).flatMap(({ step }) => (step.kind === 'waitFor' ? [step.event] : []));
  const names = new Set([...journey.exitOn.map((match) => match.event), ...waits]);
  cache.set(journey, names);
  return names;
}
