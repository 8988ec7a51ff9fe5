/**
 * src/dsl/cst.ts is generated from the grammar and checked in, so that every toolchain
 * (tsc, the build, the console's bundler, an editor) sees the CST types without a build
 * step. This keeps it fresh: the types generated from the grammar as it is now must be
 * exactly the file's text.
 */
import { describe, expect, it } from 'vitest';
import { checkedInCstTypes, generateCstTypes } from '../../scripts/generate-cst-types.js';

describe('the generated CST types (src/dsl/cst.ts)', () => {
  it('match the grammar', async () => {
    const generated = await generateCstTypes();
    const checkedIn = checkedInCstTypes();
    expect(checkedIn, 'src/dsl/cst.ts is missing: run `npm run cst` and commit it').toBeDefined();
    expect(checkedIn, 'src/dsl/cst.ts is out of date with the grammar: run `npm run cst` and commit it').toBe(generated);
  });
});
