/**
 * CST → AST: turns the parser's concrete syntax trees into the typed plain-data AST of
 * ast.ts. It only ever sees chunks that parsed without errors, so every mandatory child is
 * present; chunks with syntax errors become `RecoveredDecl`s holding just their name.
 *
 * There is one builder per grammar rule, named after it, in to-ast/ (one module per area
 * of the language, as in parser/). Each takes its rule's children as typed in cst.ts,
 * which is generated from the grammar (`npm run cst`), and calls the builders of its
 * subrules directly: a label or rule renamed in the grammar is a compile error, not a
 * child missing at run time.
 */
import type { CstNode, ICstVisitor, IToken, TokenType } from 'chevrotain';
import type * as A from './ast.js';
import type { DeclarationsCstNode, ItineraCstVisitor } from './cst.js';
import type { ParsedChunk } from './parse.js';
import { declarationStarts } from './parse.js';
import { joinSpans, tokenSpan } from './spans.js';
import * as T from './tokens.js';
import * as conditions from './to-ast/conditions.js';
import * as broadcasts from './to-ast/broadcasts.js';
import * as declarations from './to-ast/declarations.js';
import * as journeys from './to-ast/journeys.js';
import { lookup, nameOf } from './to-ast/leaves.js';
import * as values from './to-ast/values.js';
import * as where from './to-ast/where.js';

/**
 * The compile-time form of Chevrotain's `validateVisitor()`: the generated visitor
 * interface names every rule, so a rule added to the grammar without a builder (or a
 * builder taking the wrong children) fails to compile here.
 */
type RuleBuilders = Omit<ItineraCstVisitor<never, unknown>, keyof ICstVisitor<never, unknown>>;
const _everyRuleHasABuilder = { ...declarations, ...broadcasts, ...journeys, ...conditions, ...where, ...values } satisfies RuleBuilders;

/** The declarations of one chunk the parse phase produced. */
export function toDeclarations(chunk: ParsedChunk): A.Declaration[] {
  if (!chunk.cst) return recoveredDeclarations(chunk.tokens);
  if (!isDeclarations(chunk.cst)) throw new Error(`internal error: a chunk parsed as ${chunk.cst.name}`);
  return declarations.declarations(chunk.cst.children);
}

/** The parser parses a chunk with its `declarations` rule; this lets the types know. */
function isDeclarations(cst: CstNode): cst is DeclarationsCstNode {
  return cst.name === 'declarations';
}

const DECLARED: ReadonlyMap<TokenType, NonNullable<A.RecoveredDecl['declares']>> = new Map([
  [T.Consent, 'consent'],
  [T.Segment, 'segment'],
  [T.Journey, 'journey'],
  [T.Broadcast, 'broadcast'],
]);

/** Just the kinds and names of the declarations in a chunk that did not parse. */
function recoveredDeclarations(chunkTokens: IToken[]): A.RecoveredDecl[] {
  return declarationStarts(chunkTokens).map((i) => {
    const keyword = chunkTokens[i]!;
    const name = chunkTokens[i + 1]!;
    return {
      kind: 'recovered',
      declares: lookup(DECLARED, keyword),
      name: nameOf(name),
      span: joinSpans(tokenSpan(keyword), tokenSpan(name)),
    };
  });
}
