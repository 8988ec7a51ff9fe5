/**
 * Misspelt keywords: "did you mean 'journey'?", and a parse that goes on as if the keyword
 * had been written.
 *
 * A syntax error at a word that is one slip of the keyboard from a keyword is almost always
 * that slip. The candidates are the keywords the grammar accepts at that very token (what
 * Chevrotain's content assist finds after the tokens before it), not every keyword of the
 * language: `wiat` in a journey is `wait`, `rentry` is `reentry`, and after `performed "x"`
 * `exactl` is `exactly`. parse.ts then parses the chunk again with the word read as that
 * keyword, so the slip is reported once and what follows it is parsed as intended, instead
 * of as the cascade of errors a parser's own recovery makes of a missing keyword.
 */
import type { IToken, TokenType } from 'chevrotain';
import { itineraParser } from './parser.js';
import { closestKeywords, type KeywordSpelling } from './suggest.js';
import * as T from './tokens.js';

export interface KeywordTypo extends KeywordSpelling {
  /** Where the misspelt word is in the tokens. */
  index: number;
}

/** The keywords that begin a declaration, the only words allowed where a chunk begins. */
export const DECLARATION_KEYWORDS: readonly TokenType[] = [T.Consent, T.Segment, T.Journey, T.Broadcast];

/**
 * The keywords the token at `index` may have been meant to be, among those the grammar
 * accepts right after the tokens before it (which must parse: they are taken as written):
 * all those nearest to it, longest first (a word one letter short of `untag` is rather that
 * than `tag` with a letter too many). parse.ts picks the one the rest of the chunk agrees with.
 */
export function keywordTyposAt(tokens: readonly IToken[], index: number): KeywordTypo[] {
  const found = tokens[index];
  if (!found || !T.isWord(found)) return [];
  const paths = itineraParser.computeContentAssist('declarations', assistPrefix(tokens, index));
  const expected = new Set(paths.flatMap((path) => T.keywordsMatching(path.nextTokenType)));
  expected.delete(found.tokenType);
  return closestKeywords(found.image, expected).map((closest) => ({ index, ...closest }));
}

/** Past this many tokens before a slip, the grammar is asked about a shortened prefix (see `assistPrefix`). */
const FULL_PREFIX_LIMIT = 400;

/**
 * The tokens after which to ask what the grammar accepts. Content assist walks the whole
 * prefix, some 40 ms per thousand tokens: for a slip deep in a long journey, the journey's
 * opening (`journey x "title" {`) and the lines from the last one that begins directly
 * inside it (a header or a step) say the same, at a fraction of the cost. Should that
 * line not begin an item, the shortened prefix is no valid program, the grammar accepts
 * nothing after it, and no correction is made: the parser's own message stands.
 */
function assistPrefix(tokens: readonly IToken[], index: number): IToken[] {
  const opening = tokens.findIndex((token) => token.tokenType === T.LCurly);
  if (index <= FULL_PREFIX_LIMIT || opening < 0 || !DECLARATION_KEYWORDS.includes(tokens[0]!.tokenType)) return tokens.slice(0, index);
  let depth = 1;
  let lineStart = opening + 1;
  for (let i = opening + 1; i < index; i++) {
    const token = tokens[i]!;
    if (depth === 1 && token.startLine !== tokens[i - 1]!.endLine) lineStart = i;
    if (token.tokenType === T.LCurly) depth++;
    if (token.tokenType === T.RCurly) depth--;
  }
  return [...tokens.slice(0, opening + 1), ...tokens.slice(lineStart, index)];
}

/** Whether the token is a word that opens a declaration if it is read as a misspelt `consent`, `segment`, … */
export function isMisspeltDeclarationKeyword(token: IToken): boolean {
  return (
    T.isWord(token) && !DECLARATION_KEYWORDS.includes(token.tokenType) && closestKeywords(token.image, DECLARATION_KEYWORDS).length > 0
  );
}

/** The tokens with the misspelt word read as the keyword (same place in the source, the keyword's spelling). */
export function withTypoCorrected(tokens: readonly IToken[], typo: KeywordTypo): IToken[] {
  const corrected = [...tokens];
  const misspelt = tokens[typo.index]!;
  // The parser matches tokens by their type's index, so both change.
  corrected[typo.index] = { ...misspelt, tokenType: typo.keyword, tokenTypeIdx: typo.keyword.tokenTypeIdx!, image: typo.spelling };
  return corrected;
}
