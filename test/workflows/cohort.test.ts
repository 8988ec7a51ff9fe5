import { describe, expect, it } from 'vitest';
import { cohortPercentile, pickBranch } from '../../src/workflows/cohort.js';

describe('split cohorts', () => {
  it('puts a profile in the same cohort every time', () => {
    expect(cohortPercentile('p_1', 'j', 's3')).toBe(cohortPercentile('p_1', 'j', 's3'));
  });

  it('spreads profiles evenly across a 50/50 split', () => {
    const counts = [0, 0];
    for (let i = 0; i < 10_000; i++) counts[pickBranch(cohortPercentile(`p_${i}`, 'next_product', 's7'), [50, 50])]! += 1;
    expect(counts[0]).toBeGreaterThan(4_700);
    expect(counts[1]).toBeGreaterThan(4_700);
  });

  it('honours uneven shares', () => {
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[pickBranch(cohortPercentile(`p_${i}`, 'j', 's1'), [10, 30, 60])]! += 1;
    expect(counts[0]! / 10_000).toBeCloseTo(0.1, 1);
    expect(counts[1]! / 10_000).toBeCloseTo(0.3, 1);
    expect(counts[2]! / 10_000).toBeCloseTo(0.6, 1);
  });

  it('maps the edges of the percentile range to the first and last branch', () => {
    expect(pickBranch(0, [50, 50])).toBe(0);
    expect(pickBranch(49.99, [50, 50])).toBe(0);
    expect(pickBranch(50, [50, 50])).toBe(1);
    expect(pickBranch(99.99, [50, 50])).toBe(1);
  });
});
