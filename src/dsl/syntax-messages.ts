/**
 * Chevrotain's own messages ("Expecting token of type --> RCurly <-- but found …") are for
 * grammar authors. These say what a marketer should have written, in the words of the
 * language: "expected '}' but found 'tag'", "expected a step (tag, send, wait, …)".
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from 'chevrotain';
import { EOF } from './chevrotain.js';
import { closestKeywords } from './suggest.js';
import { isWord, keywordsMatching } from './tokens.js';

/** What a rule is, for "expected …" messages raised when none of its alternatives fit. */
const RULE_DESCRIPTIONS: Record<string, string> = {
  declarations: 'a declaration (consent, segment, journey or broadcast)',
  consentClause:
    "'expires after <duration>', 'remind <duration> before expiry', 'categories \"<category>\", …' or 'confirm with email \"<template>\"'",
  journeyItem:
    'a journey header (when, requires, reentry, exit on, exit when, quiet hours) or a step (tag, untag, set, send, wait, if, split, for, exit)',
  header: 'a journey header',
  broadcastClause:
    "a broadcast clause ('to segment <name>', 'requires consent <name>', 'at most <n> per <unit>', 'quiet hours <hh:mm>-<hh:mm>', 'send email \"<template>\"')",
  triggerHeader: "'performed \"<event>\"', 'enters segment <name>' or 'exits segment <name>'",
  reentryHeader: "'never', 'always' or 'after <duration>'",
  step: 'a step (tag, untag, set trait, send, wait, if, split, for, exit)',
  tagStep: "'tag' or 'untag'",
  sendStep: "'email' or 'webhook'",
  waitStep: "a duration, 'until <hh:mm>' or 'for \"<event>\" up to <duration>'",
  ifStep: "a block '{ … }' or 'if'",
  notCondition: "a condition (trait, tagged, in segment, consent, performed, sum/average/min/max, first/last seen, not, '(')",
  conditionAtom: "a condition (trait, tagged, in segment, consent, performed, sum/average/min/max, first/last seen, not, '(')",
  consentAtom: 'granted, denied, revoked or missing',
  countClause: "'at least', 'at most' or 'exactly'",
  seenAtom: "'within <duration>' or 'more than <duration> ago'",
  propNot: "a property comparison such as 'revenue > 0'",
  comparison: 'a comparison (=, !=, <, <=, >, >=, in [..], not in [..], contains, starts with, exists, is missing)',
  value: 'a value (a string, a number, true, false, null, a date or a time)',
  signedNumber: 'a number',
  duration: "a duration such as '3 days'",
};

/** How the end of the parsed input is described; parse.ts rewords it when a declaration follows. */
export const END_OF_INPUT = 'the end of the file';
/** Ends the message for tokens left over where only a new declaration may begin. */
export const NOT_A_DECLARATION = 'expected a declaration (consent, segment, journey or broadcast)';

export function describeToken(token: IToken | undefined): string {
  if (!token || token.tokenType === EOF) return END_OF_INPUT;
  const image = token.image.length > 30 ? `${token.image.slice(0, 27)}...` : token.image;
  return `'${image}'`;
}

function label(type: TokenType): string {
  return type.LABEL ?? type.name;
}

/** "a, b or c" */
export function listOf(items: string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function firstsOf(paths: TokenType[][]): TokenType[] {
  return [...new Set(paths.map((path) => path[0]).filter((t): t is TokenType => t !== undefined))];
}

function expectedFromPaths(paths: TokenType[][], ruleName: string): string {
  const described = RULE_DESCRIPTIONS[ruleName];
  if (described) return described;
  const firsts = [...new Set(firstsOf(paths).map(label))];
  return firsts.length > 0 ? listOf(firsts) : 'something else';
}

/**
 * "found 'dyas' (did you mean 'days'?)" when the word found is one slip from a keyword
 * expected there. parse.ts corrects such a slip at a chunk's first error and words that
 * message itself; this one serves the errors after one it could not correct.
 */
function misspelt(actual: IToken | undefined, expected: TokenType[]): string | undefined {
  if (!actual || !isWord(actual)) return undefined;
  const keywords = expected.flatMap(keywordsMatching).filter((keyword) => keyword !== actual.tokenType);
  const [nearest] = closestKeywords(actual.image, keywords);
  return nearest && misspeltKeywordMessage(actual, nearest.spelling);
}

export const friendlyErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual }) {
    if (expected === EOF) return `unexpected ${describeToken(actual)}: ${NOT_A_DECLARATION}`;
    return misspelt(actual, [expected]) ?? `expected ${label(expected)} but found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `unexpected ${describeToken(firstRedundant)}: ${NOT_A_DECLARATION}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, ruleName }) {
    const paths = expectedPathsPerAlt.flat();
    return misspelt(actual[0], firstsOf(paths)) ?? `expected ${expectedFromPaths(paths, ruleName)} but found ${describeToken(actual[0])}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, ruleName }) {
    return (
      misspelt(actual[0], firstsOf(expectedIterationPaths)) ??
      `expected ${expectedFromPaths(expectedIterationPaths, ruleName)} but found ${describeToken(actual[0])}`
    );
  },
};

/**
 * The message for a word taken as a misspelt keyword. What the parser expected there is
 * left out: it names the token the parser tried last ("expected '}'" for `rentry never`),
 * not the keyword that was meant.
 */
export function misspeltKeywordMessage(found: IToken, keyword: string): string {
  return `found ${describeToken(found)} (did you mean '${keyword}'?)`;
}
