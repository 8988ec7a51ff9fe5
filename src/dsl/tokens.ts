/**
 * The vocabulary of the rule language: every token the lexer knows, in the order the lexer
 * tries them (`allTokens`). Keywords carry `longer_alt: Identifier` so that `tagged_users`
 * or `days_left` lex as names, and keywords that share a prefix (`tag`/`tagged`,
 * `time`/`times`) are tried longest first.
 *
 * Labels are what syntax errors show a marketer ("expected '{'", "expected a string").
 */
import type { IToken, TokenType } from 'chevrotain';
import { createToken, Lexer } from './chevrotain.js';

// ------------------------------------------------------------------- categories

/**
 * Anything that may be a name: of a declaration, a loop variable, or a segment of a path
 * into traits or event properties. A plain identifier or a keyword that is not an operator
 * (`email`, `day`, `first`, `min` are all reasonable names); `and`, `or`, `not`, `true`,
 * `false`, `null` are reserved.
 */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA, label: 'a name' });
/** `= != < <= > >=`: the comparison operators that take one value. */
export const CompareOp = createToken({ name: 'CompareOp', pattern: Lexer.NA, label: 'a comparison (=, !=, <, <=, >, >=)' });
/** The units of durations; `hours` also spells `quiet hours`. */
export const TimeUnit = createToken({ name: 'TimeUnit', pattern: Lexer.NA, label: 'a time unit (seconds, minutes, hours, days, weeks)' });
/** `sum`, `average`, `min`, `max`. */
export const AggregateFn = createToken({ name: 'AggregateFn', pattern: Lexer.NA, label: 'sum, average, min or max' });

// ------------------------------------------------------------------- trivia

export const WhiteSpace = createToken({
  name: 'WhiteSpace',
  pattern: /[ \t\r\n\uFEFF]+/,
  group: Lexer.SKIPPED,
  line_breaks: true,
});
export const Comment = createToken({ name: 'Comment', pattern: /#[^\n\r]*/, group: Lexer.SKIPPED });

// ------------------------------------------------------------------- identifiers and literals

export const Identifier = createToken({
  name: 'Identifier',
  pattern: /[A-Za-z_][A-Za-z0-9_]*/,
  categories: [Name],
  label: 'a name',
});

export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\r\n]|\\.)*"/, label: 'a string' });
/**
 * A string whose closing quote is missing on its line. Lexing it as a string (and reporting
 * it in to-ast) keeps the rest of the line from turning into a cascade of odd errors.
 */
export const UnterminatedString = createToken({
  name: 'UnterminatedString',
  pattern: /"(?:[^"\\\r\n]|\\.)*\\?/,
  categories: [StringLiteral],
  label: 'a string',
});

export const DateLiteral = createToken({ name: 'DateLiteral', pattern: /\d{4}-\d{2}-\d{2}/, label: 'a date (YYYY-MM-DD)' });
export const TimeLiteral = createToken({ name: 'TimeLiteral', pattern: /\d{1,2}:\d{2}/, label: 'a time of day (hh:mm)' });
export const PercentLiteral = createToken({ name: 'PercentLiteral', pattern: /\d+(?:\.\d+)?%/, label: 'a percentage' });
export const NumberLiteral = createToken({ name: 'NumberLiteral', pattern: /\d+(?:\.\d+)?/, label: 'a number' });

// ------------------------------------------------------------------- punctuation and operators

export const DotDot = createToken({ name: 'DotDot', pattern: /\.\./, label: "'..'" });
export const Dot = createToken({ name: 'Dot', pattern: /\./, label: "'.'" });
export const Comma = createToken({ name: 'Comma', pattern: /,/, label: "','" });
export const Colon = createToken({ name: 'Colon', pattern: /:/, label: "':'" });
export const LCurly = createToken({ name: 'LCurly', pattern: /\{/, label: "'{'" });
export const RCurly = createToken({ name: 'RCurly', pattern: /\}/, label: "'}'" });
export const LParen = createToken({ name: 'LParen', pattern: /\(/, label: "'('" });
export const RParen = createToken({ name: 'RParen', pattern: /\)/, label: "')'" });
export const LSquare = createToken({ name: 'LSquare', pattern: /\[/, label: "'['" });
export const RSquare = createToken({ name: 'RSquare', pattern: /\]/, label: "']'" });
export const Minus = createToken({ name: 'Minus', pattern: /-/, label: "'-'" });

export const LessEq = createToken({ name: 'LessEq', pattern: /<=/, categories: [CompareOp], label: "'<='" });
export const GreaterEq = createToken({ name: 'GreaterEq', pattern: />=/, categories: [CompareOp], label: "'>='" });
export const NotEqual = createToken({ name: 'NotEqual', pattern: /!=/, categories: [CompareOp], label: "'!='" });
export const Equal = createToken({ name: 'Equal', pattern: /=/, categories: [CompareOp], label: "'='" });
export const Less = createToken({ name: 'Less', pattern: /</, categories: [CompareOp], label: "'<'" });
export const Greater = createToken({ name: 'Greater', pattern: />/, categories: [CompareOp], label: "'>'" });

// ------------------------------------------------------------------- keywords

const keywords: TokenType[] = [];
/** How each keyword may be written: one word, or two for the units that take a plural `s`. */
const spellings = new Map<TokenType, readonly string[]>();

/**
 * A keyword: its own token type, lexed only as a whole word. Most keywords may also be
 * path segments (`reserved` ones may not: they are the boolean operators and constants).
 */
function keyword(word: string, options: { reserved?: boolean; categories?: TokenType[]; pattern?: RegExp } = {}): TokenType {
  const categories = [...(options.categories ?? []), ...(options.reserved ? [] : [Name])];
  const token = createToken({
    name: word[0]!.toUpperCase() + word.slice(1),
    pattern: options.pattern ?? new RegExp(word),
    longer_alt: Identifier,
    categories,
    label: `'${word}'`,
  });
  keywords.push(token);
  const pattern = new RegExp(`^(?:${patternSource(token)})$`);
  spellings.set(
    token,
    [word, `${word}s`].filter((spelling) => pattern.test(spelling)),
  );
  return token;
}

/** The words a keyword token is written as (`day`, `days`); none for any other token. */
export function keywordSpellings(type: TokenType): readonly string[] {
  return spellings.get(type) ?? [];
}

/**
 * The keywords a token type expected by the grammar stands for: itself, or for a category
 * such as a time unit its members. A name is no keyword: any word would do there.
 */
export function keywordsMatching(type: TokenType): TokenType[] {
  if (keywordSpellings(type).length > 0) return [type];
  if (type === Name) return [];
  return keywords.filter((keyword) => (keyword.CATEGORIES ?? []).includes(type));
}

/** Whether a token is a word (a name or a keyword), which a misspelt keyword lexes as. */
export function isWord(token: IToken): boolean {
  return token.tokenType === Identifier || spellings.has(token.tokenType);
}

// Declarations
export const Consent = keyword('consent');
export const Segment = keyword('segment');
export const Journey = keyword('journey');
export const Broadcast = keyword('broadcast');
export const Expires = keyword('expires');
export const After = keyword('after');
export const Remind = keyword('remind');
export const Before = keyword('before');
export const Expiry = keyword('expiry');
export const Categories = keyword('categories');
export const Confirm = keyword('confirm');

// Boolean algebra and constants (reserved: never names)
export const And = keyword('and', { reserved: true });
export const Or = keyword('or', { reserved: true });
export const Not = keyword('not', { reserved: true });
export const True = keyword('true', { reserved: true });
export const False = keyword('false', { reserved: true });
export const Null = keyword('null', { reserved: true });

// Condition atoms
export const Trait = keyword('trait');
export const Tagged = keyword('tagged');
export const Like = keyword('like');
export const In = keyword('in');
export const Is = keyword('is');
export const Granted = keyword('granted');
export const Denied = keyword('denied');
export const Revoked = keyword('revoked');
export const Missing = keyword('missing');
export const Pending = keyword('pending');
export const Exists = keyword('exists');
export const Contains = keyword('contains');
export const Starts = keyword('starts');
export const With = keyword('with');
export const Performed = keyword('performed');
export const Where = keyword('where');
export const At = keyword('at');
export const Least = keyword('least');
export const Most = keyword('most');
export const Exactly = keyword('exactly');
export const Times = keyword('time', { pattern: /times?/ });
export const Within = keyword('within');
export const Of = keyword('of');
export const Sum = keyword('sum', { categories: [AggregateFn] });
export const Average = keyword('average', { categories: [AggregateFn] });
export const Min = keyword('min', { categories: [AggregateFn] });
export const Max = keyword('max', { categories: [AggregateFn] });
export const First = keyword('first');
export const Last = keyword('last');
export const Seen = keyword('seen');
export const More = keyword('more');
export const Than = keyword('than');
export const Ago = keyword('ago');

// Journey headers
export const When = keyword('when');
export const Enters = keyword('enters');
export const Exits = keyword('exits');
export const Requires = keyword('requires');
export const Reentry = keyword('reentry');
export const Never = keyword('never');
export const Always = keyword('always');
export const Exit = keyword('exit');
export const On = keyword('on');
export const Quiet = keyword('quiet');
/** `operational`: a journey or broadcast whose e-mail is not marketing (issue 31). */
export const Operational = keyword('operational');

// Broadcasts (`to segment` reuses `to`; the rate is `at most <n> per <unit>`)
export const Per = keyword('per');

// Journey steps
export const Tag = keyword('tag');
export const Untag = keyword('untag');
export const Set = keyword('set');
export const Send = keyword('send');
export const Email = keyword('email');
export const Webhook = keyword('webhook');
export const Wait = keyword('wait');
export const Until = keyword('until');
export const For = keyword('for');
export const Up = keyword('up');
export const To = keyword('to');
export const Then = keyword('then');
export const Otherwise = keyword('otherwise');
export const If = keyword('if');
export const Else = keyword('else');
export const Split = keyword('split');

// Duration units, singular or plural
export const Seconds = keyword('second', { pattern: /seconds?/, categories: [TimeUnit] });
export const Minutes = keyword('minute', { pattern: /minutes?/, categories: [TimeUnit] });
export const Hours = keyword('hour', { pattern: /hours?/, categories: [TimeUnit] });
export const Days = keyword('day', { pattern: /days?/, categories: [TimeUnit] });
export const Weeks = keyword('week', { pattern: /weeks?/, categories: [TimeUnit] });

/** Keywords sorted so that one which is a prefix of another (`tag`, `tagged`) comes after it. */
const keywordsLongestFirst = [...keywords].sort((a, b) => patternSource(b).length - patternSource(a).length);

function patternSource(token: TokenType): string {
  const pattern = token.PATTERN;
  return pattern instanceof RegExp ? pattern.source : String(pattern);
}

/** Every token, in the order the lexer tries them. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  Comment,
  StringLiteral,
  UnterminatedString,
  DateLiteral,
  TimeLiteral,
  PercentLiteral,
  NumberLiteral,
  DotDot,
  Dot,
  Comma,
  Colon,
  LCurly,
  RCurly,
  LParen,
  RParen,
  LSquare,
  RSquare,
  LessEq,
  GreaterEq,
  NotEqual,
  Equal,
  Less,
  Greater,
  Minus,
  ...keywordsLongestFirst,
  Identifier,
  // Categories take no part in lexing but must be known to the parser.
  Name,
  CompareOp,
  TimeUnit,
  AggregateFn,
];

/** One lexer for the process: lexing keeps no state between calls. */
export const itineraLexer = new Lexer(allTokens, { ensureOptimizations: false, positionTracking: 'full' });
