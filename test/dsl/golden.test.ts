/**
 * Golden tests: each test/dsl/golden/*.itn compiles to exactly what its .expected.json says
 * (diagnostics, and the IR when there is one). A file named after a code (ITN1203-…) must
 * report that code; a file named valid-… must report none.
 *
 * A missing or different .expected.json fails. To write the expectations anew (a new
 * case, or an intended change of the compiler's output), bless them explicitly:
 *   BLESS=1 npx vitest run --config test/dsl/vitest.config.ts test/dsl/golden.test.ts
 * (UPDATE_GOLDEN=1 does the same), then review and commit the diff of test/dsl/golden/.
 * Blessing is refused when CI is set: CI checks the expectations, it never writes them.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');
const BLESS_COMMAND = 'BLESS=1 npx vitest run --config test/dsl/vitest.config.ts test/dsl/golden.test.ts';

const flag = (name: string) => {
  const value = process.env[name]?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== '0' && value !== 'false';
};
const blessRequested = flag('BLESS') || flag('UPDATE_GOLDEN');
const inCi = flag('CI');

const files = readdirSync(GOLDEN_DIR);
const cases = files.filter((file) => file.endsWith('.itn')).sort();
const expectedPathOf = (file: string) => join(GOLDEN_DIR, file.replace(/\.itn$/, '.expected.json'));

// Refused before any test runs: the whole file fails, nothing is written.
if (blessRequested && inCi) {
  throw new Error('BLESS/UPDATE_GOLDEN is set while CI is: refusing to write expectations in CI; bless locally and commit the files.');
}

describe('golden programs', () => {
  it('has a program for every expectation', () => {
    const programs = new Set(cases.map((file) => file.replace(/\.itn$/, '')));
    const orphans = files.filter((file) => file.endsWith('.expected.json') && !programs.has(file.replace(/\.expected\.json$/, '')));
    expect(orphans, 'expectations without their .itn: delete them or restore the program').toEqual([]);
  });

  it.each(cases)('%s', (file) => {
    const source = readFileSync(join(GOLDEN_DIR, file), 'utf8');
    const actual = compile(source);
    const expectedPath = expectedPathOf(file);
    const rendered = `${JSON.stringify(actual, null, 2)}\n`;
    const recorded = existsSync(expectedPath) ? readFileSync(expectedPath, 'utf8') : undefined;

    if (blessRequested) {
      if (rendered !== recorded) writeFileSync(expectedPath, rendered);
    } else if (recorded === undefined) {
      throw new Error(
        `no expectation for ${file}: write ${expectedPath.replace(/^.*\/test\//, 'test/')} with\n  ${BLESS_COMMAND}\nthen review it and commit it`,
      );
    } else {
      expect(rendered, `${file} compiles differently from its .expected.json (if intended: ${BLESS_COMMAND})`).toBe(recorded);
    }

    const code = /^(ITN\d{4})-/.exec(file)?.[1];
    if (code) expect(actual.diagnostics.map((d) => d.code)).toContain(code);
    if (file.startsWith('valid-')) expect(actual.diagnostics).toEqual([]);
  });
});
