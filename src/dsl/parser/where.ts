/**
 * The grammar of `where <prop-condition>`: the boolean algebra over comparisons of an
 * event's properties that follows `performed "x"`, `when performed "x"`, `exit on "x"` and
 * `wait for "x"`.
 */
import type { IToken, TokenType } from 'chevrotain';
import * as T from '../tokens.js';
import type { Alternatives, ManyOptions } from './base.js';
import { ValueRules } from './values.js';

/** Tokens that can begin a `<path> <comparison>` after the path. */
const COMPARISON_STARTS: readonly TokenType[] = [T.CompareOp, T.In, T.Not, T.Contains, T.Starts, T.Exists, T.Is];

export abstract class WhereRules extends ValueRules {
  /**
   * `where <prop-condition>`. Inside a profile condition, `and`/`or` after a `where` are
   * ambiguous (`performed "x" where a = 1 and tagged "y"`): they continue the `where` only
   * when a property comparison follows, otherwise they belong to the enclosing condition.
   */
  whereClause = this.RULE('whereClause', () => {
    this.CONSUME(T.Where);
    this.SUBRULE(this.propOr);
  });

  // The gated repetitions are built once, like the alternatives (see `Alternatives`).
  private readonly moreOrOperands: ManyOptions = {
    GATE: () => this.propAtomAhead(2),
    DEF: () => {
      this.CONSUME(T.Or);
      this.SUBRULE1(this.propAnd);
    },
  };

  propOr = this.RULE('propOr', () => {
    this.SUBRULE(this.propAnd);
    this.MANY(this.moreOrOperands);
  });

  private readonly moreAndOperands: ManyOptions = {
    GATE: () => this.propAtomAhead(2),
    DEF: () => {
      this.CONSUME(T.And);
      this.SUBRULE1(this.propNot);
    },
  };

  propAnd = this.RULE('propAnd', () => {
    this.SUBRULE(this.propNot);
    this.MANY(this.moreAndOperands);
  });

  private readonly propNotKinds: Alternatives = [
    {
      ALT: () => {
        this.CONSUME(T.Not);
        this.SUBRULE(this.propNot);
      },
    },
    {
      ALT: () => {
        this.CONSUME(T.LParen);
        this.SUBRULE(this.propOr);
        this.CONSUME(T.RParen);
      },
    },
    {
      ALT: () => {
        this.SUBRULE(this.path);
        this.SUBRULE(this.comparison);
      },
    },
  ];

  propNot = this.RULE('propNot', () => {
    this.OR(this.propNotKinds);
  });

  /** Whether the tokens from LA(k) on read as a property condition: `not`/`(`… then `path <cmp>`. */
  private propAtomAhead(k: number): boolean {
    let i = k;
    while (this.isToken(this.LA(i), T.Not) || this.isToken(this.LA(i), T.LParen)) i++;
    if (!this.isToken(this.LA(i), T.Name)) return false;
    i++;
    while (this.isToken(this.LA(i), T.Dot) && this.isToken(this.LA(i + 1), T.Name)) i += 2;
    const next = this.LA(i);
    return COMPARISON_STARTS.some((type) => this.isToken(next, type));
  }

  private isToken(token: IToken, type: TokenType): boolean {
    const actual = token.tokenType;
    return actual === type || (actual.CATEGORIES ?? []).includes(type);
  }
}
