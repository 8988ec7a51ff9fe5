/**
 * The words the lexer takes as keywords, for editors (the console's highlighting and
 * completion, the language server's completion). Read from the tokens themselves — every
 * keyword token has Identifier as its longer alternative — so no list can drift from the
 * language. A unit keyword written with an optional plural (`days?`) gives both forms.
 */
import { allTokens, Identifier } from './tokens.js';

function keywordWords(): string[] {
  const words = new Set<string>();
  for (const token of allTokens) {
    if (token.LONGER_ALT !== Identifier || !(token.PATTERN instanceof RegExp)) continue;
    const source = token.PATTERN.source;
    const plural = /^([a-z]+)s\?$/.exec(source);
    if (plural) words.add(plural[1]!).add(`${plural[1]!}s`);
    else if (/^[a-z]+$/.test(source)) words.add(source);
  }
  return [...words].sort();
}

/** Sorted, each word once. */
export const KEYWORDS: readonly string[] = keywordWords();
