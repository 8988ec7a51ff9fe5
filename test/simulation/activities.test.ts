/**
 * The simulation's worker must answer every activity a journey run calls: one it lacks
 * would leave a simulated run retrying until the simulation gives up. The names are read
 * from the workflow's own list of proxies (src/workflows/journey-activities.ts), so an
 * activity added there fails this test until the simulation implements it.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { createSimulatedActivities } from '../../src/simulation/activities.js';

it('implements every activity the journey workflow calls', () => {
  const source = readFileSync(new URL('../../src/workflows/journey-activities.ts', import.meta.url), 'utf8');
  const called = [...source.matchAll(/:\s*(?:local|rows|firstAttempt|delivery)\.(\w+)/g)].map((match) => match[1]!);
  expect(called.length).toBeGreaterThan(10);
  const implemented = Object.keys(createSimulatedActivities(new Map()));
  expect(called.filter((name) => !implemented.includes(name))).toEqual([]);
});
