/**
 * Split cohorts (src/workflows/cohort.ts): what a running `split` experiment relies on.
 * A profile must land in the same branch in every process, on every replay and after
 * every release; profiles must spread evenly over the percentile range; and two splits
 * must not pick the same people.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cohortPercentile, pickBranch } from '../../src/workflows/cohort.js';

/**
 * Recorded once from cohortPercentile as released, never to be recomputed. Changing any of
 * these values reshuffles every running experiment: profiles already in a branch would be
 * counted in, or routed to, another one. A new hash needs a versioned rollout of the
 * journey workflow (patched()), not a new recording.
 */
const RECORDED: [profileId: string, journey: string, stepId: string, percentile: number][] = [
  ['p_1', 'j', 's3', 27.17],
  ['p_3f4ecb8a-e930-4e7b-a38f-7f8bf4f82486', 'welcome', 's1', 8.54],
  ['p_50135a42-6adc-4d09-aa1a-73d202e668af', 'next_product', 's7', 88.69],
  ['p_3f2b8c1e-4d5a-4b6c-9e7f-0a1b2c3d4e5f', 'winback', 'split_2', 45.96],
  // Beyond ASCII and the basic plane: pins hashing by code point (not UTF-16 unit or byte).
  ['p_ż🙂', 'welcome', 's1', 60.28],
  ['', '', '', 47.81],
];

/**
 * Ids shaped like the real ones (`p_${randomUUID()}`, src/identity/resolve.ts) but derived
 * from their index, so the statistics below are the same on every run and cannot flake.
 */
function profileId(index: number): string {
  const hex = createHash('sha256').update(`profile-${index}`).digest('hex');
  return `p_${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
const IDS = Array.from({ length: 100_000 }, (_, i) => profileId(i));

/** Pearson's chi-square of observed counts against equal expected counts. */
function chiSquareUniform(counts: readonly number[]): number {
  const expected = counts.reduce((sum, count) => sum + count, 0) / counts.length;
  return counts.reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
}

// Critical values of the chi-square distribution at p = 0.001.
const CHI2_999_99_DOF = 148.23;
const CHI2_999_81_DOF = 126.08;

const run = promisify(execFile);

describe('split cohorts', () => {
  it('keeps the recorded assignment of every profile, release after release', () => {
    expect(RECORDED.map(([id, journey, step]) => cohortPercentile(id, journey, step))).toEqual(RECORDED.map((row) => row[3]));
  });

  it('assigns the same percentiles in a fresh process', async () => {
    const moduleUrl = new URL('../../src/workflows/cohort.ts', import.meta.url).href;
    const inputs = [...RECORDED.map(([id, journey, step]) => [id, journey, step]), ...IDS.slice(0, 50).map((id) => [id, 'welcome', 's1'])];
    const script = [
      'const { cohortPercentile } = await import(process.argv[1]);',
      'const inputs = JSON.parse(process.argv[2]);',
      'process.stdout.write(JSON.stringify(inputs.map(([id, journey, step]) => cohortPercentile(id, journey, step))));',
    ].join('\n');
    const { stdout } = await run(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script, moduleUrl, JSON.stringify(inputs)],
      {
        cwd: new URL('../..', import.meta.url),
      },
    );
    const here = inputs.map(([id, journey, step]) => cohortPercentile(id!, journey!, step!));
    expect(JSON.parse(stdout)).toEqual(here);
    expect(here.slice(0, RECORDED.length)).toEqual(RECORDED.map((row) => row[3]));
  });

  it('depends on nothing but its arguments', () => {
    const ids = IDS.slice(0, 1_000);
    const forwards = ids.map((id) => cohortPercentile(id, 'welcome', 's1'));
    const interleaved = ids.map((id) => {
      cohortPercentile(id, 'other', 's9'); // a call for another split in between changes nothing
      return cohortPercentile(id, 'welcome', 's1');
    });
    const backwards = [...ids]
      .reverse()
      .map((id) => cohortPercentile(id, 'welcome', 's1'))
      .reverse();
    expect(interleaved).toEqual(forwards);
    expect(backwards).toEqual(forwards);
  });

  it('returns a percentile in [0, 100) with two decimals, reaching both ends', () => {
    const percentiles = IDS.map((id) => cohortPercentile(id, 'welcome', 's1'));
    const offRange = percentiles.filter((p) => !(p >= 0 && p < 100) || Math.abs(p * 100 - Math.round(p * 100)) > 1e-6);
    expect(offRange).toEqual([]);
    expect(percentiles.reduce((min, p) => Math.min(min, p))).toBeLessThan(0.1);
    expect(percentiles.reduce((max, p) => Math.max(max, p))).toBeGreaterThan(99.9);
  });

  it.each([
    ['welcome', 's1'],
    ['next_product', 's7'],
    ['winback', 'split_2'],
  ])('spreads 100,000 profiles evenly over 100 buckets (%s/%s)', (journey, step) => {
    const counts = new Array<number>(100).fill(0);
    for (const id of IDS) counts[Math.floor(cohortPercentile(id, journey, step))]! += 1;
    // Chi-square with 99 degrees of freedom; a fair spread exceeds this once in 1,000.
    expect(chiSquareUniform(counts)).toBeLessThan(CHI2_999_99_DOF);
    // And no bucket far off its 1,000 (±15% is over 4.7 standard deviations).
    expect(counts.filter((count) => Math.abs(count - 1_000) >= 150)).toEqual([]);
  });

  it('assigns two splits of one journey independently', () => {
    // Deciles at step s1 against deciles at step s2: a 10×10 contingency table.
    const grid = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
    for (const id of IDS)
      grid[Math.floor(cohortPercentile(id, 'welcome', 's1') / 10)]![Math.floor(cohortPercentile(id, 'welcome', 's2') / 10)]! += 1;
    const rows = grid.map((row) => row.reduce((sum, count) => sum + count, 0));
    const columns = grid[0]!.map((_, j) => grid.reduce((sum, row) => sum + row[j]!, 0));
    let chiSquare = 0;
    for (const [i, row] of grid.entries()) {
      for (const [j, count] of row.entries()) {
        const expected = (rows[i]! * columns[j]!) / IDS.length;
        chiSquare += (count - expected) ** 2 / expected;
      }
    }
    // (10 - 1) × (10 - 1) = 81 degrees of freedom.
    expect(chiSquare).toBeLessThan(CHI2_999_81_DOF);
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
