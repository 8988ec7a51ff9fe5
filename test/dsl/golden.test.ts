/**
 * Golden tests: each test/dsl/golden/*.itn compiles to exactly what its .expected.json says
 * (diagnostics, and the IR when there is one). After an intended change, re-bless with
 *   BLESS=1 npx vitest run --config test/dsl/vitest.config.ts test/dsl/golden.test.ts
 * and review the diff. A file named after a code (ITN1203-…) must report that code.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile } from '../../src/dsl/index.js';

const GOLDEN_DIR = join(import.meta.dirname, 'golden');
const bless = process.env.BLESS === '1';
const cases = readdirSync(GOLDEN_DIR).filter((file) => file.endsWith('.itn')).sort();

describe('golden programs', () => {
  it.each(cases)('%s', (file) => {
    const source = readFileSync(join(GOLDEN_DIR, file), 'utf8');
    const actual = compile(source);
    const expectedPath = join(GOLDEN_DIR, file.replace(/\.itn$/, '.expected.json'));
    const rendered = `${JSON.stringify(actual, null, 2)}\n`;
    if (bless || !existsSync(expectedPath)) writeFileSync(expectedPath, rendered);
    expect(rendered).toBe(readFileSync(expectedPath, 'utf8'));

    const code = /^(ITN\d{4})-/.exec(file)?.[1];
    if (code) expect(actual.diagnostics.map((d) => d.code)).toContain(code);
    if (file.startsWith('valid-')) expect(actual.diagnostics).toEqual([]);
  });
});
