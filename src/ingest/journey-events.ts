/**
 * The event names a running journey can use: those of its `wait for` steps and `exit on`
 * headers. A run is signalled with these only, which keeps its history to what matters
 * (a person's page views do not grow every run they are in).
 */
import type { JourneyIR, StepIR } from '../dsl/ir.js';

const cache = new WeakMap<JourneyIR, ReadonlySet<string>>();

export function eventsUsedBy(journey: JourneyIR): ReadonlySet<string> {
  const cached = cache.get(journey);
  if (cached) return cached;
  const names = new Set(journey.exitOn.map((match) => match.event));
  const visit = (steps: StepIR[]) => {
    for (const step of steps) {
      if (step.kind === 'waitFor') names.add(step.event);
      const nested = step.kind === 'if' ? [step.then, step.else] : step.kind === 'waitFor' ? [step.then, step.otherwise] : step.kind === 'split' ? step.branches.map((b) => b.steps) : [];
      for (const block of nested) visit(block);
    }
  };
  visit(journey.steps);
  cache.set(journey, names);
  return names;
}
