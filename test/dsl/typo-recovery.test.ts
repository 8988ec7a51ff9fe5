/**
 * One misspelt keyword, one diagnostic, with the keyword it was meant to be.
 *
 * Every keyword written as a keyword in examples/*.itn (not a keyword used as a name, such
 * as the loop variable `day`) is misspelt in four ways, one program per slip: a letter
 * dropped, two neighbouring letters swapped, a letter doubled, a letter replaced. Which
 * letter depends on the keyword's place in the file, so the run is the same every time and
 * still covers every position of a word. Each program must compile to exactly one
 * diagnostic, on the misspelt word, saying "did you mean '<the keyword>'".
 *
 * Set apart, each kind with its reason:
 *  - slips that spell the same keyword another way (`days` → `day`, `times` → `time`): the
 *    program is unchanged, there is nothing to report;
 *  - slips of the constants `true`, `false` and `null` where a value is expected: a value
 *    may also be a loop variable's name, so `nul` is no syntax error but an unknown name.
 *    These must still get exactly one diagnostic on the word, ITN1207 (which suggests loop
 *    variables, not constants).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CstElement, CstNode, IToken } from 'chevrotain';
import { describe, expect, it } from 'vitest';
import { compile, type Diagnostic } from '../../src/dsl/index.js';
import { lex, parseChunks } from '../../src/dsl/parse.js';
import { keywordSpellings } from '../../src/dsl/tokens.js';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const examples = readdirSync(EXAMPLES)
  .filter((file) => file.endsWith('.itn'))
  .sort()
  .map((file) => ({ file, source: readFileSync(join(EXAMPLES, file), 'utf8') }));

/** The token categories a keyword may be consumed as and still be a keyword (`day` as a time unit). */
const KEYWORD_CATEGORIES = new Set(['TimeUnit', 'AggregateFn', 'CompareOp']);

/** The tokens of a valid program that the parser took as keywords, in source order. */
function keywordUses(source: string): IToken[] {
  const uses: IToken[] = [];
  const visit = (node: CstNode): void => {
    for (const [key, children] of Object.entries(node.children)) {
      for (const child of children as CstElement[]) {
        if ('children' in child) visit(child);
        else if (keywordSpellings(child.tokenType).length > 0 && (key === child.tokenType.name || KEYWORD_CATEGORIES.has(key)))
          uses.push(child);
      }
    }
  };
  for (const chunk of parseChunks(source, lex(source).tokens)) {
    if (!chunk.cst) throw new Error('the examples must parse');
    visit(chunk.cst);
  }
  return uses.sort((a, b) => a.startOffset - b.startOffset);
}

const nextLetter = (letter: string): string => (letter === 'z' ? 'a' : String.fromCharCode(letter.charCodeAt(0) + 1));

/** Four slips of `word`, at places chosen by `seed`. */
function slips(word: string, seed: number): { kind: string; word: string }[] {
  const at = seed % word.length;
  const pair = seed % Math.max(1, word.length - 1);
  return [
    { kind: 'drop', word: word.slice(0, at) + word.slice(at + 1) },
    { kind: 'swap', word: word.slice(0, pair) + word[pair + 1]! + word[pair]! + word.slice(pair + 2) },
    { kind: 'double', word: word.slice(0, at + 1) + word.slice(at) },
    { kind: 'replace', word: word.slice(0, at) + nextLetter(word[at]!) + word.slice(at + 1) },
  ].filter((slip) => slip.word !== word && slip.word.length > 0);
}

/** The constants, which where a value is expected compete with the names of loop variables. */
const CONSTANTS = new Set(['True', 'False', 'Null']);

interface Mutant {
  where: string;
  source: string;
  token: IToken;
  slip: string;
}

function mutants(): { counted: Mutant[]; sameKeyword: number; constants: Mutant[] } {
  const counted: Mutant[] = [];
  const constants: Mutant[] = [];
  let sameKeyword = 0;
  for (const { file, source } of examples) {
    keywordUses(source).forEach((token, index) => {
      for (const slip of slips(token.image, index)) {
        const relexed = lex(slip.word).tokens;
        if (relexed.length === 1 && relexed[0]!.tokenType === token.tokenType) {
          sameKeyword++;
          continue;
        }
        const mutated = source.slice(0, token.startOffset) + slip.word + source.slice(token.endOffset! + 1);
        const mutant = { where: `${file}:${token.startLine}:${token.startColumn} ${slip.word}`, source: mutated, token, slip: slip.word };
        (CONSTANTS.has(token.tokenType.name) ? constants : counted).push(mutant);
      }
    });
  }
  return { counted, sameKeyword, constants };
}

const describeAll = (diagnostics: Diagnostic[]) => diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join(' | ');

describe('misspelt keywords', () => {
  const { counted, sameKeyword, constants } = mutants();

  it(`each of ${counted.length} programs with one misspelt keyword gets exactly one diagnostic, on it, with the keyword`, () => {
    const failures: string[] = [];
    for (const mutant of counted) {
      const { diagnostics } = compile(mutant.source);
      const meant = keywordSpellings(mutant.token.tokenType);
      const [only] = diagnostics;
      const suggested = only && /did you mean '([a-z]+)'\?/.exec(only.message)?.[1];
      const right =
        diagnostics.length === 1 &&
        only!.line === mutant.token.startLine &&
        only!.column === mutant.token.startColumn &&
        suggested !== undefined &&
        meant.includes(suggested);
      if (!right) failures.push(`${mutant.where} (for '${mutant.token.image}'): ${describeAll(diagnostics)}`);
    }
    console.log(
      `typo recovery: ${counted.length - failures.length} of ${counted.length} programs with one misspelt keyword got exactly one diagnostic, ` +
        `on the word, with the keyword (set apart: ${sameKeyword} slips spelling the same keyword, ${constants.length} misspelt constants)`,
    );
    expect(failures).toEqual([]);
    // Guards the generator itself: every example's keywords are mutated, so this stays large.
    expect(counted.length).toBeGreaterThan(1000);
  });

  it(`each of ${constants.length} programs with a misspelt true, false or null gets exactly one diagnostic, on it`, () => {
    for (const mutant of constants) {
      const { diagnostics } = compile(mutant.source);
      expect(
        diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`),
        `${mutant.where}: ${describeAll(diagnostics)}`,
      ).toEqual([`${mutant.token.startLine}:${mutant.token.startColumn} ITN1207`]);
    }
    expect(constants.length).toBeGreaterThan(0);
  });
});
