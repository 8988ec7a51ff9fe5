/**
 * Source text → concrete syntax trees, one per stretch of declarations, with every lexical
 * and syntax error as a diagnostic.
 *
 * The token stream is cut into chunks at each line that starts a declaration (`segment x {`
 * in the first column, or after the braces balance). Each chunk is parsed on its own, so a
 * missing `}` in one journey does not swallow the declarations after it, and a chunk with
 * syntax errors is handed on as "recovered" (name only) so that no semantic check runs on a
 * half-understood tree. A misspelt keyword is the exception: it is reported with the keyword
 * it was probably meant to be, and the chunk is parsed again as if that had been written
 * (keyword-typos.ts).
 *
 * Chunks are parsed lazily, one per step of the iteration, so that the caller can turn each
 * CST into AST before the next is built: a CST is several times the size of its AST, and
 * holding all of them at once was most of a large program's memory and garbage collection.
 */
import type { CstNode, ILexingError, IRecognitionException, IToken } from 'chevrotain';
import { EOF } from './chevrotain.js';
import type { Diagnostic } from './diagnostics.js';
import { Diagnostics, report, type DiagnosticDef } from './codes.js';
import {
  DECLARATION_KEYWORDS,
  isMisspeltDeclarationKeyword,
  keywordTyposAt,
  withTypoCorrected,
  type KeywordTypo,
} from './keyword-typos.js';
import { itineraParser } from './parser.js';
import { END_OF_INPUT, NOT_A_DECLARATION, misspeltKeywordMessage } from './syntax-messages.js';
import { endOfSource, hasPosition, spanAfter, tokenSpan } from './spans.js';
import * as T from './tokens.js';
import type { Span } from './ast.js';

export interface LexResult {
  tokens: IToken[];
  /** Unexpected characters, unclosed strings and unknown escapes. */
  diagnostics: Diagnostic[];
}

export interface ParsedChunk {
  tokens: IToken[];
  /** Present when the chunk parsed without errors. */
  cst?: CstNode;
  /** The chunk's syntax errors. */
  diagnostics: Diagnostic[];
}

export function lex(source: string): LexResult {
  const lexed = T.itineraLexer.tokenize(source);
  const diagnostics = lexed.errors.map((error) => lexingDiagnostic(error, source));
  for (const token of lexed.tokens) {
    if (token.tokenType === T.StringLiteral || token.tokenType === T.UnterminatedString) diagnostics.push(...stringDiagnostics(token));
  }
  return { tokens: lexed.tokens, diagnostics };
}

/** The chunks of a lexed source, each parsed only when the iteration reaches it. */
export function* parseChunks(source: string, tokens: IToken[]): Generator<ParsedChunk> {
  const split = splitIntoChunks(tokens);
  for (const [index, chunk] of split.entries()) yield parseChunk(chunk, source, split[index + 1]?.[0]);
}

/**
 * At most this many misspelt keywords are corrected in one chunk (each costs a few parses);
 * past it, the chunk's errors are reported as the parser found them.
 */
const MAX_TYPOS_PER_CHUNK = 20;

/**
 * How far after the token it stops at the parser may have read: with a lookahead of three
 * tokens, `and ot plan = "free"` in a `where` stops at `and`, because `ot` does not read as
 * the `not` that would have let the `where` go on.
 */
const TYPO_LOOKAHEAD = 3;

type Parse = ReturnType<typeof itineraParser.parseDeclarations> & { tokens: IToken[] };

function parse(tokens: IToken[]): Parse {
  return { tokens, ...itineraParser.parseDeclarations(tokens) };
}

/** Where a parse first failed, as an index into its tokens; past the end when it did not. */
function firstErrorAt(parsed: Parse): number {
  const first = parsed.errors[0];
  if (!first) return Infinity;
  const at = parsed.tokens.indexOf(first.token);
  return at >= 0 ? at : parsed.tokens.length;
}

/**
 * One chunk, parsed again for as long as its first syntax error is at (or just before) a
 * misspelt keyword, with that word read as the keyword: each slip is reported once, with its
 * "did you mean", and the chunk is judged on what it would be with the slips corrected. A
 * chunk whose only errors were slips is handed on with its tree, so the rest of it is still
 * checked.
 */
function parseChunk(chunk: IToken[], source: string, next: IToken | undefined): ParsedChunk {
  let parsed = parse(chunk);
  const typos: Diagnostic[] = [];
  for (;;) {
    const first = parsed.errors[0];
    if (!first) return { tokens: parsed.tokens, cst: parsed.cst, diagnostics: typos };
    const correction = typos.length < MAX_TYPOS_PER_CHUNK ? correctTypo(parsed) : undefined;
    if (!correction) {
      const { tokens, errors } = parsed;
      const syntax = errors.map((error) => syntaxDiagnostic(error, tokens, source, next));
      return { tokens, diagnostics: [...typos, ...dedupe(syntax.filter((d) => !followsUnclosedString(d, tokens)))] };
    }
    const misspelt = parsed.tokens[correction.typo.index]!;
    typos.push(report(definitionOf(first), tokenSpan(misspelt), misspeltKeywordMessage(misspelt, correction.typo.spelling)));
    parsed = correction.parsed;
  }
}

/**
 * The misspelt keyword at the first error of a parse, or within the parser's lookahead after
 * it, and the parse with it corrected. Of the keywords nearest to the word, the one after
 * which the parse gets furthest wins (`sen email "x"` is `send`, not `set`); a correction that
 * gets no further than the word itself is none.
 */
function correctTypo(parsed: Parse): { typo: KeywordTypo; parsed: Parse } | undefined {
  const at = firstErrorAt(parsed);
  for (let index = at; index < Math.min(at + TYPO_LOOKAHEAD, parsed.tokens.length); index++) {
    let best: { typo: KeywordTypo; parsed: Parse; reached: number } | undefined;
    for (const typo of keywordTyposAt(parsed.tokens, index)) {
      const corrected = parse(withTypoCorrected(parsed.tokens, typo));
      const reached = firstErrorAt(corrected);
      if (reached > index && (!best || reached > best.reached)) best = { typo, parsed: corrected, reached };
    }
    if (best) return best;
  }
  return undefined;
}

function isName(token: IToken | undefined): boolean {
  return token !== undefined && (token.tokenType === T.Identifier || (token.tokenType.CATEGORIES ?? []).includes(T.Name));
}

/**
 * Whether the token at `i` opens a declaration: `consent|segment|journey|broadcast <name> ["title"] {`,
 * or, when `misspelt` is allowed, the same with the keyword misspelt (`jurney x {`).
 */
export function startsDeclaration(tokens: IToken[], i: number, misspelt = false): boolean {
  const keyword = tokens[i];
  if (!keyword) return false;
  if (!DECLARATION_KEYWORDS.includes(keyword.tokenType) && !(misspelt && isMisspeltDeclarationKeyword(keyword))) return false;
  if (!isName(tokens[i + 1])) return false;
  const third = tokens[i + 2]?.tokenType;
  return third === T.LCurly || third === T.StringLiteral || third === T.UnterminatedString;
}

/**
 * Indices of the tokens that open a declaration: at brace depth 0, or in the first column
 * (a declaration there is taken as a fresh start even if an earlier `}` is missing). With
 * `misspelt`, also those whose keyword is misspelt: the chunks are cut there too, so that a
 * misspelt `journey` starts a journey of its own rather than trailing the declaration
 * before it as a run of errors.
 */
export function declarationStarts(tokens: IToken[], misspelt = false): number[] {
  const starts: number[] = [];
  let depth = 0;
  tokens.forEach((token, i) => {
    if ((depth <= 0 || token.startColumn === 1) && startsDeclaration(tokens, i, misspelt)) {
      starts.push(i);
      depth = 0;
    }
    if (token.tokenType === T.LCurly) depth++;
    if (token.tokenType === T.RCurly) depth--;
  });
  return starts;
}

function splitIntoChunks(tokens: IToken[]): IToken[][] {
  const cuts = [0, ...declarationStarts(tokens, true).filter((i) => i > 0), tokens.length];
  const chunks: IToken[][] = [];
  for (let k = 0; k + 1 < cuts.length; k++) {
    if (cuts[k]! < cuts[k + 1]!) chunks.push(tokens.slice(cuts[k], cuts[k + 1]));
  }
  return chunks;
}

function lexingDiagnostic(error: ILexingError, source: string): Diagnostic {
  const text = source.substr(error.offset, error.length);
  const line = error.line ?? 1;
  const column = error.column ?? 1;
  // Chevrotain reports a run of unexpected characters as one error; show them, briefly.
  const shown = text.length > 20 ? `${text.slice(0, 17)}...` : text;
  const span: Span = { line, column, endLine: line, endColumn: column + Math.max(1, error.length) };
  return report(Diagnostics.unexpectedCharacter, span, shown.split(/\r?\n/)[0] ?? shown);
}

/** Unclosed strings and unknown escapes, found on the string tokens the lexer already accepted. */
function stringDiagnostics(token: IToken): Diagnostic[] {
  const found: Diagnostic[] = [];
  if (token.tokenType === T.UnterminatedString) found.push(report(Diagnostics.unterminatedString, tokenSpan(token)));
  if (!token.image.includes('\\')) return found;
  const escape = /\\(.?)/g;
  for (let match = escape.exec(token.image); match; match = escape.exec(token.image)) {
    const escaped = match[1] ?? '';
    if (escaped === '"' || escaped === '\\') continue;
    const column = token.startColumn! + match.index;
    const span: Span = { line: token.startLine!, column, endLine: token.startLine!, endColumn: column + 1 + escaped.length };
    found.push(report(Diagnostics.unknownEscape, span, `\\${escaped}`));
  }
  return found;
}

/**
 * A chunk ends where the next declaration starts, so "found the end of the file" in the
 * middle of a file really means "found the next declaration": say so.
 */
function syntaxDiagnostic(error: IRecognitionException, chunk: IToken[], source: string, next: IToken | undefined): Diagnostic {
  const message = next
    ? error.message.replace(END_OF_INPUT, `the next declaration ('${next.image}' on line ${next.startLine})`)
    : error.message;
  return report(definitionOf(error), errorSpan(error.token, chunk, source), message);
}

/** ITN1103 where only a declaration may start, ITN1101 for one missing token, ITN1102 when no alternative fits. */
function definitionOf(error: IRecognitionException): DiagnosticDef<[string]> {
  return error.message.endsWith(NOT_A_DECLARATION)
    ? Diagnostics.notADeclaration
    : error.name === 'MismatchedTokenException'
      ? Diagnostics.unexpectedToken
      : Diagnostics.noViableAlternative;
}

/**
 * Where to point: the offending token, or (when the parser ran into the end of the input or
 * a token it invented while recovering) just after the last real token before it.
 */
function errorSpan(token: IToken, chunk: IToken[], source: string): Span {
  if (hasPosition(token) && token.tokenType !== EOF) return tokenSpan(token);
  const offset = Number.isFinite(token.startOffset) ? token.startOffset : Infinity;
  const before = chunk.filter((candidate) => candidate.startOffset < offset).at(-1) ?? chunk.at(-1);
  return before ? spanAfter(before) : endOfSource(source);
}

/** An unclosed string swallows the rest of its line; what the parser then misses there is no news. */
function followsUnclosedString(diagnostic: Diagnostic, chunk: IToken[]): boolean {
  return chunk.some(
    (token) => token.tokenType === T.UnterminatedString && token.startLine === diagnostic.line && token.startColumn! <= diagnostic.column,
  );
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.line}:${d.column}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
