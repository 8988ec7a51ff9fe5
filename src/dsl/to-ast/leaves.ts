/**
 * AST leaves made from single tokens: names, strings, times, and the words that token types
 * stand for (comparison operators).
 */
import type { IToken, TokenType } from 'chevrotain';
import type * as A from '../ast.js';
import { tokenSpan } from '../spans.js';
import * as T from '../tokens.js';

/** The text of a string token, escapes resolved (a lone `\x` keeps `x`; the lexer phase reported it). */
export function stringText(tok: IToken): string {
  const closed = tok.tokenType === T.StringLiteral;
  const body = tok.image.slice(1, closed ? -1 : undefined);
  return body.includes('\\') ? body.replace(/\\(.?)/g, '$1') : body;
}

export function stringLit(tok: IToken): A.StringLit {
  return { kind: 'string', value: stringText(tok), span: tokenSpan(tok) };
}

export function nameOf(tok: IToken): A.Name {
  return { text: tok.image, span: tokenSpan(tok) };
}

export function timeLit(tok: IToken): A.TimeLit {
  const [hours, minutes] = tok.image.split(':').map(Number);
  return { kind: 'time', hours: hours ?? 0, minutes: minutes ?? 0, span: tokenSpan(tok) };
}

/** What a token of one of a category's types (`CompareOp`, `TimeUnit`, …) stands for. */
export function lookup<V>(table: ReadonlyMap<TokenType, V>, tok: IToken): V {
  const found = table.get(tok.tokenType);
  if (found === undefined) throw new Error(`internal error: unexpected token ${tok.tokenType.name}`);
  return found;
}

const COMPARE_OPERATORS: ReadonlyMap<TokenType, A.CompareOperator> = new Map([
  [T.Equal, 'eq'],
  [T.NotEqual, 'ne'],
  [T.Less, 'lt'],
  [T.LessEq, 'lte'],
  [T.Greater, 'gt'],
  [T.GreaterEq, 'gte'],
]);

export function compareOperator(tok: IToken): A.CompareOperator {
  return lookup(COMPARE_OPERATORS, tok);
}
